//! The `checklist` table: written by `scan`, and again by `check` from an
//! existing output.

use crate::util::*;

#[test]
fn scan_writes_a_checklist_and_check_writes_the_same_again() {
    let out = tempfile::tempdir().unwrap();
    scan_ok(&[&samples()], out.path(), &[]);
    let list = table(out.path(), "checklist");
    let pol = table(out.path(), "policies");
    let ids = strs(&pol, "policy_id");
    let items = strs(&list, "item");
    let per_policy = items.len() / ids.len();
    assert!(per_policy >= 20, "{per_policy} items per policy");
    assert_eq!(
        items.len(),
        per_policy * ids.len(),
        "every policy has every item"
    );
    for st in strs(&list, "status") {
        assert!(
            ["present", "partial", "missing", "not_applicable"].contains(&st.as_str()),
            "{st}"
        );
    }
    assert!(strs(&list, "reason").iter().all(|r| !r.is_empty()));
    // The counts in `policies` are the table's.
    let present = u32s(&pol, "checklist_present");
    let statuses = strs(&list, "status");
    let owners = strs(&list, "policy_id");
    for (id, n) in ids.iter().zip(&present) {
        let counted = owners
            .iter()
            .zip(&statuses)
            .filter(|(o, s)| *o == id && *s == "present")
            .count();
        assert_eq!(counted as u32, *n, "{id}");
    }
    // The samples name their operator and contacts: the first item is there.
    let first: Vec<&String> = items
        .iter()
        .zip(&statuses)
        .filter(|(i, _)| *i == "art17.controller_contact")
        .map(|(_, s)| s)
        .collect();
    assert!(first.iter().all(|s| *s == "present"), "{first:?}");

    // `check` from the tables alone gives the same table.
    let again = tempfile::tempdir().unwrap();
    let o = bin()
        .arg("check")
        .arg(out.path())
        .arg("--out")
        .arg(again.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("checklist of 3 policies"));
    assert!(list.equals_missing(&table(again.path(), "checklist")));
}

#[test]
fn check_of_a_folder_without_tables_fails_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = bin().arg("check").arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains(&dir.path().display().to_string()) && e.contains("policies.parquet"),
        "{e}"
    );
}
