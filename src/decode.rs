//! TEMPORARY stub (replaced by the full decoder).
pub struct Decoded { pub text: String, pub encoding: &'static str, pub repaired: bool }
#[derive(Debug, thiserror::Error)]
pub enum DecodeError { #[error("the file is empty")] Empty, #[error("binary: {reason}")] Binary { reason: String } }
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    let s = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    if s.trim().is_empty() { return Err(DecodeError::Empty); }
    Ok(Decoded { text: s, encoding: "utf-8", repaired: false })
}
