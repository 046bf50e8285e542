//! The one error type of the core; the bindings map it to Python exceptions.

/// Everything that can go wrong in the core, with a message that names the bad value.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A name that is not one of the built-in encodings.
    #[error("unknown encoding {0:?}")]
    UnknownEncoding(String),
    /// A pattern family name that is not gpt2, cl100k or o200k.
    #[error("unknown pattern family {0:?} (expected one of \"gpt2\", \"cl100k\", \"o200k\")")]
    UnknownFamily(String),
    /// `decode` got an id outside the vocabulary (tiktoken's message).
    #[error("Invalid token for decoding: {0}")]
    UnknownToken(u64),
    /// `encode_single_token` got bytes that are no single token.
    #[error("no single token for {0:?}")]
    NotAToken(String),
    /// A .tiktoken file that does not parse; `line` counts from 1, 0 means the file as a whole.
    #[error("malformed .tiktoken data at line {line}: {reason}")]
    MalformedVocab { line: usize, reason: String },
    /// A special token whose id or text collides with the vocabulary or another special token.
    #[error("invalid special token {0:?}: {1}")]
    InvalidSpecial(String, String),
    /// A stream got more input after `finish`.
    #[error("the stream is finished; reset() it to start a new one")]
    Finished,
    /// A saved stream state that no stream could have been in.
    #[error("invalid saved stream state: {0}")]
    InvalidSnapshot(&'static str),
    /// A push would leave a stream holding more open text (text with no final piece boundary
    /// yet) than its limit allows; the stream is unchanged.
    #[error("the stream's open text would exceed max_open_bytes={0} (text with no piece boundary that long: raise the limit, or split the stream); nothing was pushed")]
    OpenTooLong(usize),
    /// Bytes that are not UTF-8, pushed with strict error handling.
    #[error("invalid utf-8 at byte {offset}: {reason}")]
    InvalidUtf8 { offset: usize, reason: &'static str },
    /// A pre-tokenizer pattern that does not parse.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// A pre-tokenizer pattern with a construct that the compiled scanner cannot run exactly.
    #[error("unsupported pattern: {0}")]
    UnsupportedPattern(String),
    /// A Hugging Face tokenizer.json that does not parse, or whose parts do not fit together.
    #[error("malformed tokenizer.json: {0}")]
    MalformedTokenizer(String),
    /// A tokenizer.json component (named in the message) that streamtok does not run exactly.
    #[error("unsupported tokenizer.json component: {0}")]
    UnsupportedTokenizer(String),
    /// An encoding whose pre-tokenizer streams cannot scan yet.
    #[error("streams of encoding {0:?} are not supported yet: {1}")]
    NoStreams(String, &'static str),
}

/// The core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
