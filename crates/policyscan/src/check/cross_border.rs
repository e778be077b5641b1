//! Storage location and transfer abroad (PIPL Art. 38–40, 39).
//!
//! The policy first says where data is (the `storage_location` entity:
//! `china` / `abroad`) and whether it leaves China (`cross_border`: `yes`,
//! `yes:<destination>`, `no`, `conditional`). That decides whether the four
//! Art. 39 items apply:
//!
//! - a transfer (`yes…`, or storage abroad): they apply and are checked in
//!   the cross-border segments;
//! - stored in China, or an explicit "no": they are not applicable — the
//!   policy itself says nothing leaves China;
//! - only "if we ever need to transfer, we will ask you first": nothing is
//!   transferred now, so recipient, details and rights abroad are not
//!   applicable; the promised consent is still checked;
//! - silence: they are missing — silence does not show that nothing leaves
//!   China.
//!
//! A policy that says data stays in China (or will not leave) *and* that it
//! is transferred abroad, without naming the foreign recipient, contradicts
//! itself: the storage item is then partial, and says so. Two readings keep
//! this reliable (both came from reading the CA4P corpus, where they were
//! most of the contradictions flagged before): a China statement that
//! announces exceptions (`以下情形除外`) is not contradicted by the transfers
//! it lists, and a `yes` in a segment with conditional wording (`HEDGE`)
//! is a possible future transfer where the policy says data stays in China.

use std::sync::LazyLock;

use regex::Regex;

use super::notice::purpose;
use super::view::{CROSS_BORDER, View, cite, describe_all, re, two_parts, union};
use super::{Outcome, Status};

/// The recipient introduced by name (`境外接收方名称：…`, `接收方为…`). A
/// list of what will be told (`告知境外接收方的名称、联系方式…`) is no name.
const RECIPIENT: &str = r"接收方(?:的)?(?:名称)?\s*(?:为|是|：|:)";
/// Conditional wording in the segment of a `yes` transfer. The extractor
/// reads clause by clause, so `如果今后的业务发生变更，…` followed by `…进行
/// 出境` in the next clause gives `yes`; beside a statement that data stays
/// in China, such a transfer is read as a possible future one.
const HEDGE: &str = r"如果|如需|如发生|若|今后|将来|未来|确需|一旦|届时|同意后|授权后";
/// A China-storage statement that announces its own exceptions (`存储在中国
/// 境内，以下情形除外：`, `原则上…存储在境内`): transfers listed after it are
/// those exceptions, not a contradiction.
const EXCEPTION: &str = r"除外|以下情形|例外|原则上|除非";
/// Entity kinds that are a way to reach a foreign recipient.
const RECIPIENT_CONTACT_KINDS: &[&str] = &["phone", "email", "url", "address"];
/// Exercising rights against the recipient (`您可以通过…向境外接收方行使
/// 您的权利`).
const RIGHTS_ABROAD: &str = r"(?:行使|主张)[^。；;]{0,20}?权利|权利[^。；;]{0,10}?(?:行使|实现)|(?:向|对)[^。；;]{0,12}?接收方[^。；;]{0,20}?(?:请求|要求|主张)";
/// Separate consent (单独同意), as Art. 39 requires.
const SEPARATE_CONSENT: &str = r"单独(?:的)?(?:同意|授权)|单独(?:征得|取得|获得|请求)|另行(?:征得|取得|获得)[^。；;]{0,6}?(?:同意|授权)";
/// Consent of a general kind, which Art. 39 does not accept as separate.
const GENERAL_CONSENT: &str = r"(?:征得|取得|获得|经)[^。；;]{0,6}?(?:同意|授权)|明示同意|授权同意";

static RECIPIENT_WORDS: LazyLock<Regex> = LazyLock::new(|| re(RECIPIENT));
static HEDGED: LazyLock<Regex> = LazyLock::new(|| re(HEDGE));
static EXCEPTIONS: LazyLock<Regex> = LazyLock::new(|| re(EXCEPTION));
static RIGHTS: LazyLock<Regex> = LazyLock::new(|| re(RIGHTS_ABROAD));
static SEPARATE: LazyLock<Regex> = LazyLock::new(|| re(SEPARATE_CONSENT));
static GENERAL: LazyLock<Regex> = LazyLock::new(|| re(GENERAL_CONSENT));

/// What the policy says about data leaving China.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transfer {
    /// Data is transferred or stored abroad.
    Yes,
    /// Stored in China, or an explicit promise not to transfer.
    No,
    /// Only a possible future transfer, subject to a condition.
    Conditional,
    /// Nothing about it.
    Silent,
}

/// The cross-border statements of a policy, as scopes.
struct CrossBorder {
    transfer: Transfer,
    /// Segments saying data is stored in China.
    china: Vec<usize>,
    /// Segments saying it will not leave China.
    no: Vec<usize>,
    /// Segments saying it is transferred or stored abroad.
    yes: Vec<usize>,
    /// Segments with a conditional transfer.
    conditional: Vec<usize>,
    /// Everything about cross-border: the label plus the segments above.
    scope: Vec<usize>,
    /// `cross_border` / `storage_location` entity values, as evidence.
    evidence: Vec<String>,
}

impl CrossBorder {
    fn read(v: &View) -> Self {
        let cb = v.entities(&["cross_border"]);
        let storage = v.entities(&["storage_location"]);
        let pick = |ents: &[&crate::table::EntityRow], f: &dyn Fn(&str) -> bool| {
            let hits: Vec<_> = ents.iter().copied().filter(|e| f(&e.value)).collect();
            v.segments_of(&hits)
        };
        let china = pick(&storage, &|s| s == "china");
        let abroad = pick(&storage, &|s| s == "abroad");
        let stated = union(&pick(&cb, &|s| s.starts_with("yes")), &abroad);
        let no = pick(&cb, &|s| s == "no");
        let conditional = pick(&cb, &|s| s == "conditional");
        let summary = &v.facts.policy.summary;
        let domestic = !no.is_empty() || !china.is_empty() || summary.stored_in_china == Some(true);
        let firm: Vec<usize> = stated
            .iter()
            .copied()
            .filter(|&i| !HEDGED.is_match(v.text(i)))
            .collect();
        // Hedged transfers only count where nothing says data stays home.
        let yes = if firm.is_empty() && domestic {
            Vec::new()
        } else if firm.is_empty() {
            stated.clone()
        } else {
            firm
        };
        let transfer = if !yes.is_empty() {
            Transfer::Yes
        } else if domestic {
            Transfer::No
        } else if !conditional.is_empty() {
            Transfer::Conditional
        } else {
            // Rows without entities (re-checked old tables): the summary.
            match summary.transfers_abroad {
                Some(true) => Transfer::Yes,
                Some(false) => Transfer::No,
                None => Transfer::Silent,
            }
        };
        let scope = union(
            &v.labelled(CROSS_BORDER),
            &union(&union(&china, &no), &union(&stated, &conditional)),
        );
        let mut evidence = describe_all(&storage, 2);
        evidence.extend(describe_all(&cb, 3));
        Self {
            transfer,
            china,
            no,
            yes,
            conditional,
            scope,
            evidence,
        }
    }

    /// The segments that say nothing leaves China.
    fn domestic(&self) -> Vec<usize> {
        union(&self.china, &self.no)
    }

    /// Where the Art. 39 details are looked for when data goes abroad.
    fn transfer_scope(&self) -> &[usize] {
        &self.scope
    }
}

/// The outcome every Art. 39 item has when the transfer status alone
/// decides it, `None` when the item must be checked.
fn decided_by_status(v: &View, cb: &CrossBorder) -> Option<Outcome> {
    match cb.transfer {
        Transfer::Yes => None,
        Transfer::No => {
            let nums = v.numbers(&cb.domestic());
            Some(
                Outcome::new(
                    Status::NotApplicable,
                    format!(
                        "Not applicable: the policy says personal information is stored in China or not transferred abroad ({}).",
                        cite(&nums)
                    ),
                )
                .segments(nums)
                .evidence(cb.evidence.clone()),
            )
        }
        Transfer::Conditional => {
            let nums = v.numbers(&cb.conditional);
            Some(
                Outcome::new(
                    Status::NotApplicable,
                    format!(
                        "Not applicable for now: the policy describes only a possible future transfer abroad, subject to the user's consent ({}).",
                        cite(&nums)
                    ),
                )
                .segments(nums)
                .evidence(cb.evidence.clone()),
            )
        }
        Transfer::Silent => Some(Outcome::new(
            Status::Missing,
            "The policy does not say whether personal information leaves China, so the Art. 39 notice cannot be confirmed.",
        )),
    }
}

/// Recipient name and contact in the cross-border scope.
struct Recipient {
    /// Company names, or the recipient phrase (`接收方名称：`) when the
    /// name itself was not extracted.
    names: Vec<String>,
    named_in: Vec<usize>,
    contacts: Vec<String>,
    contact_in: Vec<usize>,
}

fn recipient(v: &View, cb: &CrossBorder) -> Recipient {
    let scope = cb.transfer_scope();
    let companies: Vec<_> = v
        .entities_in(&["controller"], scope)
        .into_iter()
        .filter(|e| !v.own_controllers.contains(&e.value))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for e in &companies {
        if !names.contains(&e.value) {
            names.push(e.value.clone());
        }
    }
    let worded = v.matching(scope, &RECIPIENT_WORDS);
    if names.is_empty() {
        let phrase = worded
            .first()
            .and_then(|&i| RECIPIENT_WORDS.find(v.text(i)));
        names.extend(phrase.map(|m| m.as_str().to_string()));
    }
    let contacts = v.entities_in(RECIPIENT_CONTACT_KINDS, scope);
    Recipient {
        names,
        named_in: union(&v.segments_of(&companies), &worded),
        contacts: describe_all(&contacts, 3),
        contact_in: v.segments_of(&contacts),
    }
}

/// Art. 38–40: says where data is stored or whether it leaves China.
pub(super) fn storage_location(v: &View) -> Outcome {
    let cb = CrossBorder::read(v);
    let evidence = cb.evidence.clone();
    let domestic = cb.domestic();
    let says_domestic =
        !domestic.is_empty() || v.facts.policy.summary.stored_in_china == Some(true);
    match cb.transfer {
        Transfer::Yes if says_domestic => {
            let r = recipient(v, &cb);
            let segs = union(&domestic, &cb.yes);
            let home = cite(&v.numbers(&domestic));
            let away = cite(&v.numbers(&cb.yes));
            let excepted = domestic.iter().any(|&i| EXCEPTIONS.is_match(v.text(i)));
            let (status, reason) = if excepted {
                (
                    Status::Present,
                    format!(
                        "Says personal information is stored in China ({home}) except in the cases it lists, where it goes abroad ({away})."
                    ),
                )
            } else if r.names.is_empty() {
                (
                    Status::Partial,
                    format!(
                        "Contradiction: says personal information stays in China ({home}) yet also that it is transferred abroad ({away}), without naming a foreign recipient."
                    ),
                )
            } else {
                (
                    Status::Present,
                    format!(
                        "Says personal information is stored in China ({home}) and describes the transfers abroad it makes ({away})."
                    ),
                )
            };
            Outcome::new(status, reason)
                .segments(v.numbers(&segs))
                .evidence(evidence)
        }
        Transfer::Yes => {
            let nums = v.numbers(&cb.yes);
            Outcome::new(
                Status::Present,
                format!(
                    "Says personal information is transferred or stored abroad ({}).",
                    cite(&nums)
                ),
            )
            .segments(nums)
            .evidence(evidence)
        }
        Transfer::No => {
            let nums = v.numbers(&domestic);
            Outcome::new(
                Status::Present,
                format!(
                    "Says personal information is stored in China or not transferred abroad ({}).",
                    cite(&nums)
                ),
            )
            .segments(nums)
            .evidence(evidence)
        }
        Transfer::Conditional => {
            let nums = v.numbers(&cb.conditional);
            Outcome::new(
                Status::Partial,
                format!(
                    "Only says a transfer abroad may happen under conditions ({}); does not say where personal information is stored.",
                    cite(&nums)
                ),
            )
            .segments(nums)
            .evidence(evidence)
        }
        Transfer::Silent => Outcome::new(
            Status::Missing,
            "Does not say where personal information is stored or whether it leaves China (境内存储/出境).",
        ),
    }
}

/// Art. 39: the foreign recipient's name and contact.
pub(super) fn foreign_recipient(v: &View) -> Outcome {
    let cb = CrossBorder::read(v);
    if let Some(o) = decided_by_status(v, &cb) {
        return o;
    }
    let r = recipient(v, &cb);
    let segs = union(&union(&r.named_in, &r.contact_in), &cb.yes);
    let evidence = r
        .names
        .iter()
        .map(|n| format!("recipient: {n}"))
        .chain(r.contacts.iter().cloned())
        .chain(cb.evidence.iter().cloned());
    let (status, reason) = match (r.names.is_empty(), r.contacts.is_empty()) {
        (false, false) => (
            Status::Present,
            format!(
                "Names the foreign recipient ({}) and how to contact it.",
                r.names[0]
            ),
        ),
        (false, true) => (
            Status::Partial,
            format!(
                "Names the foreign recipient ({}) but gives no contact for it.",
                r.names[0]
            ),
        ),
        (true, false) => (
            Status::Partial,
            "Gives a contact in the cross-border section but names no foreign recipient.".into(),
        ),
        (true, true) => (
            Status::Missing,
            "Transfers personal information abroad without naming the recipient or how to contact it (境外接收方的名称、联系方式)."
                .into(),
        ),
    };
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Art. 39: purpose and kinds of the data transferred abroad.
pub(super) fn transfer_details(v: &View) -> Outcome {
    let cb = CrossBorder::read(v);
    if let Some(o) = decided_by_status(v, &cb) {
        return o;
    }
    let scope = cb.transfer_scope();
    let purposes = v.matching(scope, purpose());
    let kinds = v.concrete_data(scope);
    let segs = union(&purposes, &v.segments_of(&kinds));
    let evidence = v
        .phrases(&purposes, purpose(), 2)
        .into_iter()
        .chain(describe_all(&kinds, 5));
    let (status, reason) = two_parts(
        !purposes.is_empty(),
        !kinds.is_empty(),
        [
            "States the purpose of the transfer abroad and the kinds of data transferred.",
            "States the purpose of the transfer abroad but not which kinds of data are transferred.",
            "Names the kinds of data transferred abroad but not the purpose.",
            "Transfers personal information abroad without stating the purpose or the kinds of data (处理目的、个人信息的种类).",
        ],
    );
    Outcome::new(status, reason)
        .segments(v.numbers(&segs))
        .evidence(evidence)
}

/// Art. 39: how to exercise one's rights against the foreign recipient.
pub(super) fn rights_abroad(v: &View) -> Outcome {
    let cb = CrossBorder::read(v);
    if let Some(o) = decided_by_status(v, &cb) {
        return o;
    }
    let segs = v.matching(cb.transfer_scope(), &RIGHTS);
    if segs.is_empty() {
        return Outcome::new(
            Status::Missing,
            "Transfers personal information abroad without saying how to exercise one's rights against the foreign recipient.",
        )
        .segments(v.numbers(&cb.yes));
    }
    let nums = v.numbers(&segs);
    Outcome::new(
        Status::Present,
        format!(
            "Says how to exercise one's rights over data transferred abroad ({}).",
            cite(&nums)
        ),
    )
    .segments(nums)
    .evidence(v.phrases(&segs, &RIGHTS, 2))
}

/// Art. 39: separate consent to the transfer. Checked also where only a
/// future transfer is described: the promise of consent is what such a
/// policy states.
pub(super) fn separate_consent(v: &View) -> Outcome {
    let cb = CrossBorder::read(v);
    let scope = cb.transfer_scope();
    let separate = v.matching(scope, &SEPARATE);
    let general = v.matching(scope, &GENERAL);
    match cb.transfer {
        Transfer::Silent => return decided_by_status(v, &cb).expect("silent is decided"),
        Transfer::No if separate.is_empty() => {
            return decided_by_status(v, &cb).expect("no transfer is decided");
        }
        _ => {}
    }
    if !separate.is_empty() {
        let nums = v.numbers(&separate);
        let reason = if cb.transfer == Transfer::Yes {
            format!(
                "Asks for separate consent (单独同意) to the transfer abroad ({}).",
                cite(&nums)
            )
        } else {
            format!(
                "Promises separate consent (单独同意) before any transfer abroad ({}).",
                cite(&nums)
            )
        };
        return Outcome::new(Status::Present, reason)
            .segments(nums)
            .evidence(v.phrases(&separate, &SEPARATE, 2));
    }
    if !general.is_empty() {
        let nums = v.numbers(&general);
        return Outcome::new(
            Status::Partial,
            format!(
                "Mentions consent to the transfer abroad ({}) but not separate consent (单独同意).",
                cite(&nums)
            ),
        )
        .segments(nums)
        .evidence(v.phrases(&general, &GENERAL, 2));
    }
    Outcome::new(
        Status::Missing,
        "Describes a transfer abroad without asking for the user's separate consent (单独同意).",
    )
    .segments(v.numbers(&union(&cb.yes, &cb.conditional)))
}
