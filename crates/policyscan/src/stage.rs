//! The pipeline's stages as the `errors` table names them: every input that
//! is given up is given up at one of these, so a reader can count failures
//! by cause without parsing messages.

/// The step at which an input was given up: the `stage` column of `errors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// The file could not be read (permissions, vanished, too large, a loop).
    Read,
    /// Not a `.txt`, `.md`, `.html` or `.htm` file.
    Unsupported,
    /// Binary or heavily damaged bytes.
    Decode,
    /// Decoded, but no paragraph of policy text.
    Parse,
    /// The classifier failed on the policy's segments.
    Classify,
    /// The data-mention tagger failed on the policy's segments.
    Tag,
    /// A bug: a panic caught while processing this file.
    Internal,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 7] = [
        Stage::Read,
        Stage::Unsupported,
        Stage::Decode,
        Stage::Parse,
        Stage::Classify,
        Stage::Tag,
        Stage::Internal,
    ];

    /// The value written to the `stage` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Unsupported => "unsupported",
            Stage::Decode => "decode",
            Stage::Parse => "parse",
            Stage::Classify => "classify",
            Stage::Tag => "tag",
            Stage::Internal => "internal",
        }
    }
}
