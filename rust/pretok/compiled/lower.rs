//! From a pattern to what the compiled scanner runs: its top-level alternatives, grouped into
//! runs of ordinary ones (one DFA each) and look-ahead ones evaluated by hand.
//!
//! The pattern is parsed by fancy-regex, tiktoken's engine, so that it means what it means
//! there; ordinary alternatives go back to regex syntax with fancy-regex's own `to_str` (whose
//! parse is the HIR fancy-regex hands regex-automata for them) and are parsed by regex-syntax,
//! whose Unicode tables fancy-regex uses too. Only constructs whose meaning is kept exactly are
//! accepted.

use crate::error::{Error, Result};
use fancy_regex::{Assertion, Expr, LookAround};
use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind};

/// A run of top-level alternatives, in the pattern's order.
#[derive(Debug)]
pub(super) enum Part {
    /// Ordinary alternatives, as one alternation in regex syntax.
    Dfa(Hir),
    /// `C+(?!D)` with `D` the complement of the single-character class `C` (`\s+(?!\S)`): the
    /// greedy run of `C`, less its last character unless the text ends after it.
    Trailing(ClassUnicode),
}

/// The parts of `pattern`, or why it cannot be compiled exactly.
pub(super) fn lower(pattern: &str) -> Result<Vec<Part>> {
    let tree = Expr::parse_tree(pattern).map_err(|e| Error::InvalidPattern(e.to_string()))?;
    let mut top = &tree.expr;
    // A group around the whole pattern captures, which changes no match.
    while let Expr::Group(inner) = top {
        top = inner;
    }
    let alternatives = match top {
        Expr::Alt(alternatives) => alternatives.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut parts = Vec::new();
    let mut ordinary: Vec<String> = Vec::new();
    let mut trailing = 0;
    for alternative in alternatives {
        if let Some(class) = trailing_class(alternative)? {
            trailing += 1;
            if trailing > 1 {
                return Err(unsupported("more than one look-ahead alternative `C+(?!D)`"));
            }
            flush(&mut ordinary, &mut parts)?;
            parts.push(Part::Trailing(class));
            continue;
        }
        let lowered = lower_alternative(alternative)?;
        let mut text = String::new();
        lowered.to_str(&mut text, 1);
        ordinary.push(text);
    }
    flush(&mut ordinary, &mut parts)?;
    Ok(parts)
}

fn unsupported(what: &str) -> Error {
    Error::UnsupportedPattern(what.to_string())
}

/// Closes a run of ordinary alternatives into a DFA part.
fn flush(ordinary: &mut Vec<String>, parts: &mut Vec<Part>) -> Result<()> {
    if ordinary.is_empty() {
        return Ok(());
    }
    for text in ordinary.iter() {
        // fancy-regex's find_iter and HF's Split treat empty matches in ways of their own;
        // no tokenizer's pattern has one.
        if parse(text)?.properties().minimum_len() == Some(0) {
            return Err(Error::UnsupportedPattern(format!("alternative `{text}` can match the empty string")));
        }
    }
    parts.push(Part::Dfa(parse(&ordinary.join("|"))?));
    ordinary.clear();
    Ok(())
}

/// Regex syntax to HIR, as fancy-regex's delegates are parsed (Unicode on, UTF-8 only).
fn parse(text: &str) -> Result<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(true)
        .utf8(true)
        .build()
        .parse(text)
        .map_err(|e| Error::InvalidPattern(e.to_string()))
}

/// The class of an expression that matches exactly one character, if it is one.
fn single_class(expr: &Expr) -> Result<Option<ClassUnicode>> {
    if !matches!(expr, Expr::Delegate { .. } | Expr::Literal { .. } | Expr::Any { .. }) {
        return Ok(None);
    }
    let mut text = String::new();
    expr.to_str(&mut text, 3);
    Ok(match parse(&text)?.into_kind() {
        HirKind::Class(Class::Unicode(class)) => Some(class),
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0).ok().map(|s| s.chars()) {
            Some(mut chars) => match (chars.next(), chars.next()) {
                (Some(c), None) => Some(ClassUnicode::new([ClassUnicodeRange::new(c, c)])),
                _ => None,
            },
            None => None,
        },
        _ => None,
    })
}

/// The class `C` of an alternative `C+(?!D)` whose `D` is the complement of `C`; `None` for an
/// alternative without a look-ahead at its end.
fn trailing_class(alternative: &Expr) -> Result<Option<ClassUnicode>> {
    let Expr::Concat(items) = alternative else { return Ok(None) };
    let [run, Expr::LookAround(ahead, LookAround::LookAheadNeg)] = items.as_slice() else { return Ok(None) };
    let refuse = || unsupported("negative look-ahead `(?!...)` other than `C+(?!D)` with `D` the complement of `C`");
    let Expr::Repeat { child, lo: 1, hi: usize::MAX, greedy: true } = run else { return Err(refuse()) };
    let (Some(class), Some(ahead)) = (single_class(child)?, single_class(ahead)?) else { return Err(refuse()) };
    let mut complement = class.clone();
    complement.negate();
    if complement != ahead {
        return Err(refuse());
    }
    Ok(Some(class))
}

/// An ordinary alternative with its possessive quantifiers made greedy where that changes no
/// match; refuses it when a construct cannot be kept exactly.
fn lower_alternative(alternative: &Expr) -> Result<Expr> {
    match alternative {
        // Nothing follows it in the alternative, so it is never backtracked into.
        Expr::AtomicGroup(inner) => lower_alternative(inner),
        Expr::Concat(items) => {
            // From the end, so that each atomic group's continuation is lowered already.
            let mut lowered: Vec<Expr> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate().rev() {
                let item = match item {
                    Expr::AtomicGroup(inner) if i + 1 == items.len() => lower_alternative(inner)?,
                    Expr::AtomicGroup(inner) => {
                        let rest: Vec<Expr> = lowered.iter().rev().cloned().collect();
                        greedy_equivalent(inner, &Expr::Concat(rest))?
                    }
                    other => {
                        check(other)?;
                        other.clone()
                    }
                };
                lowered.push(item);
            }
            lowered.reverse();
            Ok(Expr::Concat(lowered))
        }
        other => {
            check(other)?;
            Ok(other.clone())
        }
    }
}

/// The greedy form of an atomic group `inner` followed (in its alternative) by `rest`, where
/// the two match alike: `inner` is a greedy repeat of one character class `C`, and no first
/// character of `rest` is in `C`.
///
/// Why that is exact: the greedy repeat first tries the longest run, as the atomic group does;
/// it differs only where `rest` fails after the longest run and succeeds after a shorter one.
/// After a shorter one `rest` starts at a character of `C`, so it must match empty there: on a
/// path with no assertion it would match empty after the longest run too, and on one with
/// `$` (the only assertion accepted) it cannot, as the text goes on.
fn greedy_equivalent(inner: &Expr, rest: &Expr) -> Result<Expr> {
    let refuse = |why: &str| {
        let mut text = String::new();
        // Only easy expressions are formatted (`to_str` panics on others).
        let shown = if check(inner).is_ok() {
            inner.to_str(&mut text, 3);
            text
        } else {
            "...".to_string()
        };
        Error::UnsupportedPattern(format!("possessive quantifier or atomic group on `{shown}`: {why}"))
    };
    let Expr::Repeat { child, greedy: true, .. } = inner else {
        return Err(refuse("only a greedy repeat of one character class can be made greedy"));
    };
    let Some(class) = single_class(child)? else {
        return Err(refuse("only a greedy repeat of one character class can be made greedy"));
    };
    let mut text = String::new();
    rest.to_str(&mut text, 0);
    let (mut first, _) = first_chars(&parse(&text)?)?;
    first.intersect(&class);
    if !first.ranges().is_empty() {
        return Err(refuse("what follows it can start with a character it repeats"));
    }
    Ok(inner.clone())
}

/// The characters that can start a match of `hir`, and whether it can match empty.
fn first_chars(hir: &Hir) -> Result<(ClassUnicode, bool)> {
    Ok(match hir.kind() {
        HirKind::Empty => (ClassUnicode::empty(), true),
        HirKind::Literal(literal) => {
            let c = std::str::from_utf8(&literal.0).ok().and_then(|s| s.chars().next());
            let c = c.ok_or_else(|| unsupported("a literal that is not UTF-8"))?;
            (ClassUnicode::new([ClassUnicodeRange::new(c, c)]), false)
        }
        HirKind::Class(Class::Unicode(class)) => (class.clone(), false),
        HirKind::Class(Class::Bytes(_)) => return Err(unsupported("a class of bytes `(?-u:...)`")),
        // The end of the text: empty, and only where nothing follows.
        HirKind::Look(_) => (ClassUnicode::empty(), true),
        HirKind::Repetition(repetition) => {
            let (first, empty) = first_chars(&repetition.sub)?;
            (first, empty || repetition.min == 0)
        }
        HirKind::Capture(capture) => first_chars(&capture.sub)?,
        HirKind::Concat(items) => {
            let mut first = ClassUnicode::empty();
            for item in items {
                let (more, empty) = first_chars(item)?;
                first.union(&more);
                if !empty {
                    return Ok((first, false));
                }
            }
            (first, true)
        }
        HirKind::Alternation(items) => {
            let mut first = ClassUnicode::empty();
            let mut any_empty = false;
            for item in items {
                let (more, empty) = first_chars(item)?;
                first.union(&more);
                any_empty |= empty;
            }
            (first, any_empty)
        }
    })
}

/// Refuses the constructs that the DFA cannot run exactly, naming the first one found.
fn check(expr: &Expr) -> Result<()> {
    let name = match expr {
        Expr::Empty | Expr::Any { .. } | Expr::Literal { .. } | Expr::Delegate { .. } => return Ok(()),
        Expr::Concat(items) | Expr::Alt(items) => return items.iter().try_for_each(check),
        Expr::Group(inner) => return check(inner),
        Expr::Repeat { child, .. } => return check(child),
        Expr::Assertion(Assertion::EndText) => return Ok(()),
        Expr::Assertion(Assertion::StartText) => "start-of-text anchor `^` or `\\A`",
        Expr::Assertion(Assertion::EndTextIgnoreTrailingNewlines { .. }) => "end anchor `\\Z`",
        Expr::Assertion(Assertion::StartLine { .. } | Assertion::StartLineOniguruma { .. }) => {
            "start-of-line anchor `(?m:^)`"
        }
        Expr::Assertion(Assertion::EndLine { .. }) => "end-of-line anchor `(?m:$)`",
        Expr::Assertion(_) => "word boundary `\\b`, `\\B`, `\\<` or `\\>`",
        Expr::LookAround(_, LookAround::LookAhead) => "look-ahead `(?=...)`",
        Expr::LookAround(_, LookAround::LookAheadNeg) => {
            "negative look-ahead `(?!...)` other than `C+(?!D)` as a whole top-level alternative"
        }
        Expr::LookAround(_, LookAround::LookBehind) => "look-behind `(?<=...)`",
        Expr::LookAround(_, LookAround::LookBehindNeg) => "negative look-behind `(?<!...)`",
        Expr::Backref { .. } | Expr::BackrefWithRelativeRecursionLevel { .. } => "backreference",
        Expr::AtomicGroup(_) => "possessive quantifier or atomic group inside a group or a repeat",
        Expr::KeepOut => "`\\K`",
        Expr::ContinueFromPreviousMatchEnd => "`\\G`",
        Expr::BackrefExistsCondition { .. } | Expr::Conditional { .. } => "conditional `(?(...)...)`",
        Expr::SubroutineCall(_) => "subroutine call",
        Expr::BacktrackingControlVerb(_) => "backtracking control verb",
        Expr::Absent(_) => "absent operator `(?~...)`",
        Expr::GeneralNewline { .. } => "general newline `\\R`",
        Expr::DefineGroup { .. } => "`(?(DEFINE)...)`",
        Expr::AstNode(..) => "an unresolved group reference",
    };
    Err(Error::UnsupportedPattern(name.to_string()))
}
