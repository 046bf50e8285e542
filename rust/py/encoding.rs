//! `streamtok._native.Encoding`: the one-shot API over [`crate::Encoding`].

use super::ffi::list_of;
use super::text::{text_of, type_error, DETACH_BYTES};
use crate::encoding::parallel::cpus;
use crate::encoding::Encoding;
use crate::encoding::Spec;
use crate::pretok::special::SpecialMatcher;
use crate::pretok::{Family, Kind, Pretok};
use crate::vocab::Rank;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use std::borrow::Cow;
use std::sync::Arc;

/// A tokenizer with tiktoken's behaviour; the Python class `streamtok.Encoding` extends it.
#[pyclass(name = "Encoding", module = "streamtok._native", subclass, frozen)]
pub struct PyEncoding {
    pub(crate) inner: Arc<Encoding>,
}

/// The error of a thread the OS refused to start, worded as Python's `threading` words it.
fn thread_error(e: std::io::Error) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(format!("can't start new thread: {e}"))
}

/// `f` over the UTF-8 texts of the `str` objects `texts` yields, borrowed where they need no copy.
fn with_texts<R>(texts: &Bound<'_, PyAny>, f: impl FnOnce(&[&str]) -> PyResult<R>) -> PyResult<R> {
    let owned: Vec<Bound<'_, PyAny>> = texts.try_iter()?.collect::<PyResult<_>>()?;
    let strs: Vec<Cow<'_, str>> = owned.iter().map(|t| text_of(t)).collect::<PyResult<_>>()?;
    let strs: Vec<&str> = strs.iter().map(|s| s.as_ref()).collect();
    f(&strs)
}

impl PyEncoding {
    /// The matcher for `allowed`: `None` for no special tokens, "all", or an iterable of texts.
    pub(crate) fn matcher(&self, allowed: Option<&Bound<'_, PyAny>>) -> PyResult<Arc<SpecialMatcher>> {
        let Some(allowed) = allowed else { return Ok(Arc::default()) };
        if let Ok(s) = allowed.cast::<PyString>() {
            if s.to_str()? == "all" {
                return Ok(self.inner.all_specials().clone());
            }
            return Err(PyValueError::new_err("allowed_special must be \"all\" or a set of special tokens"));
        }
        let mut texts = Vec::new();
        for item in allowed.try_iter()? {
            texts.push(item?.extract::<String>()?);
        }
        Ok(Arc::new(self.inner.special_matcher(texts.iter().map(String::as_str))))
    }

    /// Runs `f` on every text, on up to `num_threads` threads, with the GIL released.
    fn batch<T: Send>(
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        num_threads: usize,
        f: impl Fn(&str) -> T + Sync,
    ) -> PyResult<Vec<T>> {
        with_texts(texts, |strs| {
            py.detach(|| crate::encoding::parallel::parallel_map(strs, num_threads, &|t: &&str| f(t)))
                .map_err(thread_error)
        })
    }

    /// The lists of ids `f` gives every text, encoded on up to `num_threads` threads without the
    /// GIL while this thread, with it, turns the texts done so far into lists: making Python
    /// objects takes the GIL, so doing it after all the encoding would leave it to one thread.
    fn batch_lists<'py>(
        py: Python<'py>,
        texts: &Bound<'_, PyAny>,
        num_threads: usize,
        f: impl Fn(&str) -> Vec<Rank> + Sync,
    ) -> PyResult<Bound<'py, PyList>> {
        with_texts(texts, |strs| Self::lists_of_texts(py, strs, num_threads, f))
    }

    /// [`PyEncoding::batch_lists`] over texts already taken out of their objects.
    fn lists_of_texts<'py>(
        py: Python<'py>,
        strs: &[&str],
        num_threads: usize,
        f: impl Fn(&str) -> Vec<Rank> + Sync,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut lists: Vec<Option<Bound<'py, PyList>>> = strs.iter().map(|_| None).collect();
        let encode = |t: &&str| f(t);
        crate::encoding::parallel::parallel_chunks(strs, num_threads, &encode, |mut chunks| -> PyResult<()> {
            loop {
                // A chunk another thread finished is made into lists at once; else this thread
                // encodes one itself, or waits for the others, without the GIL.
                let next = match chunks.ready() {
                    Some(done) => Some(done),
                    None => {
                        let (next, back) = py.detach(move || (chunks.next(), chunks));
                        chunks = back;
                        next
                    }
                };
                let Some((start, ids)) = next else { return Ok(()) };
                for (slot, ids) in lists[start..].iter_mut().zip(&ids) {
                    *slot = Some(list_of(py, ids)?);
                }
            }
        })
        .map_err(thread_error)??;
        let lists: Vec<Bound<'py, PyList>> = lists.into_iter().flatten().collect();
        if lists.len() != strs.len() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("a text of the batch was not encoded"));
        }
        PyList::new(py, lists)
    }
}

#[pymethods]
impl PyEncoding {
    #[new]
    #[pyo3(signature = (name, *, data=None, family=None, special_tokens=None, pattern=None, tokenizer_json=None))]
    fn new(
        py: Python<'_>,
        name: &str,
        data: Option<&[u8]>,
        family: Option<&str>,
        special_tokens: Option<&Bound<'_, PyDict>>,
        pattern: Option<&str>,
        tokenizer_json: Option<&[u8]>,
    ) -> PyResult<Self> {
        if let Some(json) = tokenizer_json {
            if data.is_some() || family.is_some() || special_tokens.is_some() || pattern.is_some() {
                return Err(PyValueError::new_err("tokenizer_json takes no data, family, special_tokens or pattern"));
            }
            let inner = py.detach(|| Encoding::from_tokenizer_json(name, json))?;
            return Ok(PyEncoding { inner: Arc::new(inner) });
        }
        let Some(data) = data else {
            return Ok(PyEncoding { inner: Encoding::builtin(name)? });
        };
        // A pattern family by name, or any pattern: a family's own takes its hand-written
        // scanner, another is compiled.
        let pretok = match (family, pattern) {
            (Some(_), Some(_)) => return Err(PyValueError::new_err("give family or pattern, not both")),
            (_, Some(pattern)) => py.detach(|| Pretok::from_pattern(pattern))?,
            (family, None) => Pretok::Family(Family::from_name(family.unwrap_or(""))?),
        };
        let mut specials: Vec<(String, Rank)> = Vec::new();
        if let Some(d) = special_tokens {
            for (text, id) in d.iter() {
                specials.push((text.extract()?, id.extract()?));
            }
        }
        let inner = py.detach(|| Spec::from_tiktoken(name, pretok, data, specials).and_then(Encoding::new))?;
        Ok(PyEncoding { inner: Arc::new(inner) })
    }

    /// The encoding's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// The pattern family: "gpt2", "cl100k" or "o200k"; None for a pattern of another family.
    #[getter]
    fn family(&self) -> Option<&'static str> {
        self.inner.family().map(Family::name)
    }

    /// The pre-tokenizer's pattern, as tiktoken's `pat_str`.
    #[getter]
    fn pattern(&self) -> &str {
        self.inner.pretok().pattern()
    }

    /// Highest token id, special tokens included.
    #[getter]
    fn max_token_value(&self) -> Rank {
        self.inner.max_token_value()
    }

    /// Number of token ids: `max_token_value + 1`.
    #[getter]
    fn n_vocab(&self) -> u64 {
        u64::from(self.inner.max_token_value()) + 1
    }

    /// Special token texts and their ids.
    #[getter]
    fn _special_tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (text, rank) in self.inner.specials() {
            d.set_item(text, rank)?;
        }
        Ok(d)
    }

    /// Encodes `text` into token ids, treating all of it as ordinary text.
    fn encode_ordinary<'py>(&self, py: Python<'py>, text: &Bound<'_, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let text = text_of(text)?;
        let ids = if text.len() >= DETACH_BYTES {
            py.detach(|| self.inner.encode_on(&text, &SpecialMatcher::default(), cpus()))
        } else {
            self.inner.encode_ordinary(&text)
        };
        list_of(py, &ids)
    }

    /// Number of tokens of `text`, treating all of it as ordinary text.
    fn count(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<usize> {
        let text = text_of(text)?;
        if text.len() >= DETACH_BYTES {
            Ok(py.detach(|| self.inner.count_on(&text, cpus())))
        } else {
            Ok(self.inner.count(&text))
        }
    }

    /// Empties the caches that calls keep warm for the next (pieces of `count` and `encode`, which
    /// keep streams' long ends too; pair checks, short deltas and what deltas add after a token,
    /// of streams), to measure a cold call.
    fn _clear_caches(&self) {
        self.inner.clear_caches();
    }

    /// Encodes `text`, the special tokens in `allowed` ("all" or texts) as themselves.
    #[pyo3(signature = (text, allowed=None))]
    fn _encode<'py>(
        &self,
        py: Python<'py>,
        text: &Bound<'_, PyAny>,
        allowed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let matcher = self.matcher(allowed)?;
        let text = text_of(text)?;
        let ids = if text.len() >= DETACH_BYTES {
            py.detach(|| self.inner.encode_on(&text, &matcher, cpus()))
        } else {
            self.inner.encode(&text, &matcher)
        };
        list_of(py, &ids)
    }

    /// Encodes every text of `texts` as ordinary text, in parallel.
    #[pyo3(signature = (texts, *, num_threads=8))]
    fn encode_ordinary_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'_, PyAny>,
        num_threads: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        Self::batch_lists(py, texts, num_threads, |t| self.inner.encode_ordinary(t))
    }

    /// Counts the tokens of every text of `texts`, in parallel.
    #[pyo3(signature = (texts, *, num_threads=8))]
    fn count_batch(&self, py: Python<'_>, texts: &Bound<'_, PyAny>, num_threads: usize) -> PyResult<Vec<usize>> {
        Self::batch(py, texts, num_threads, |t| self.inner.count(t))
    }

    /// Encodes every text of `texts` with the special tokens of `allowed`, in parallel; raises
    /// tiktoken's ValueError for the first text (in order) that holds one of `disallowed`, which
    /// the threads look for before any text is encoded.
    #[pyo3(signature = (texts, allowed=None, *, num_threads=8, disallowed=None))]
    fn _encode_batch<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'_, PyAny>,
        allowed: Option<&Bound<'_, PyAny>>,
        num_threads: usize,
        disallowed: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let matcher = self.matcher(allowed)?;
        // Any text given is searched for, a special token of this encoding or not, as tiktoken does.
        let forbidden = match disallowed {
            Some(d) => {
                let texts: Vec<String> = d.try_iter()?.map(|t| t?.extract::<String>()).collect::<PyResult<_>>()?;
                Some(SpecialMatcher::new(texts.iter().map(|t| (t.as_str(), 0))))
            }
            None => None,
        }
        .filter(|m| !m.is_empty());
        with_texts(texts, |strs| {
            if let Some(forbidden) = forbidden {
                let find = |t: &&str| forbidden.find(t.as_bytes(), 0).map(|(start, end, _)| (start, end));
                let found = py
                    .detach(|| crate::encoding::parallel::parallel_map(strs, num_threads, &find))
                    .map_err(thread_error)?;
                if let Some((text, (start, end))) = strs.iter().zip(found).find_map(|(t, f)| Some((t, f?))) {
                    let raise = py.import("streamtok._encoding")?.getattr("_raise_disallowed")?;
                    return Err(match raise.call1((&text[start..end],)) {
                        Err(e) => e,
                        Ok(_) => PyValueError::new_err("disallowed special token"),
                    });
                }
            }
            Self::lists_of_texts(py, strs, num_threads, |t| self.inner.encode(t, &matcher))
        })
    }

    /// Tokens of the last piece of `text` after its last special token of `allowed` (0 when
    /// the text ends with one or is empty): what tiktoken's `encode_with_unstable` and
    /// `_encode_bytes` start from, as the tokens that text to come may still change.
    #[pyo3(signature = (text, allowed=None))]
    fn _last_piece_tokens(&self, text: &Bound<'_, PyAny>, allowed: Option<&Bound<'_, PyAny>>) -> PyResult<usize> {
        let matcher = self.matcher(allowed)?;
        let text = text_of(text)?;
        let mut start = 0;
        while let Some((_, end, _)) = matcher.find(text.as_bytes(), start) {
            start = end;
        }
        let last = self.inner.pretok().pieces(&text[start..]).filter(|(_, kind)| *kind == Kind::Match).last();
        Ok(last.map_or(0, |(piece, _)| crate::bpe::count(self.inner.vocab(), self.inner.help(), piece, 0, piece.len())))
    }

    /// Tokens of `piece` merged as one piece, with no pre-tokenizer split (tiktoken's
    /// `_encode_single_piece`); special tokens are not recognised.
    fn _encode_single_piece<'py>(&self, py: Python<'py>, piece: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let mut out = Vec::new();
        if !piece.is_empty() {
            crate::bpe::encode(self.inner.vocab(), self.inner.help(), piece, 0, piece.len(), &mut out);
        }
        list_of(py, &out)
    }

    /// The bytes of `tokens`, concatenated.
    fn decode_bytes<'py>(&self, py: Python<'py>, tokens: Vec<Rank>) -> PyResult<Bound<'py, PyBytes>> {
        let ids: Vec<u64> = tokens.into_iter().map(u64::from).collect();
        Ok(PyBytes::new(py, &self.inner.decode_bytes(&ids)?))
    }

    /// The bytes of one token, special tokens included; an unknown id raises `KeyError(str(id))`
    /// as tiktoken's does.
    fn decode_single_token_bytes<'py>(&self, py: Python<'py>, token: Rank) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = self.inner.decode_single(u64::from(token)).map_err(|_| PyKeyError::new_err(token.to_string()))?;
        Ok(PyBytes::new(py, bytes))
    }

    /// The bytes of each token.
    fn decode_tokens_bytes<'py>(&self, py: Python<'py>, tokens: Vec<Rank>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        tokens.into_iter().map(|t| self.decode_single_token_bytes(py, t)).collect()
    }

    /// The id of the token whose text or bytes are `text_or_bytes`, special tokens included.
    ///
    /// As in tiktoken, a `str` is encoded strictly (surrogates raise `UnicodeEncodeError`) and
    /// bytes that are no token raise `KeyError(bytes)`.
    fn encode_single_token(&self, text_or_bytes: &Bound<'_, PyAny>) -> PyResult<Rank> {
        let bytes: Cow<'_, [u8]> = if let Ok(b) = text_or_bytes.cast::<PyBytes>() {
            Cow::Borrowed(b.as_bytes())
        } else if let Ok(s) = text_or_bytes.cast::<PyString>() {
            match s.to_str() {
                Ok(text) => Cow::Borrowed(text.as_bytes()),
                // str.encode raises tiktoken's UnicodeEncodeError, naming the surrogates.
                Err(_) => {
                    return Err(text_or_bytes
                        .call_method1("encode", ("utf-8",))
                        .err()
                        .unwrap_or_else(|| PyValueError::new_err("text is not valid UTF-8")))
                }
            }
        } else {
            return Err(type_error("str | bytes", text_or_bytes));
        };
        self.inner
            .encode_single_token(&bytes)
            .map_err(|_| PyKeyError::new_err(PyBytes::new(text_or_bytes.py(), &bytes).unbind()))
    }

    /// Whether `token` is the id of a special token.
    fn is_special_token(&self, token: &Bound<'_, PyAny>) -> PyResult<bool> {
        let token: i128 = token.extract()?;
        Ok(u64::try_from(token).is_ok_and(|t| self.inner.is_special_token(t)))
    }

    /// Every mergeable token's bytes and id, in id order.
    fn _mergeable_items<'py>(&self, py: Python<'py>) -> Vec<(Bound<'py, PyBytes>, Rank)> {
        let v = self.inner.vocab();
        (0..v.rank_end()).filter_map(|r| Some((PyBytes::new(py, v.bytes_of(r)?), r))).collect()
    }

    /// The bytes of every mergeable token, in rank order.
    fn token_byte_values<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        let v = self.inner.vocab();
        (0..v.rank_end()).filter_map(|r| v.bytes_of(r)).map(|b| PyBytes::new(py, b)).collect()
    }
}
