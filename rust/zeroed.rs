//! Tables of zeros on the heap, allocated zeroed so that only the pages written become resident.

/// An array of zeros on the heap, made there (`Box::new` of an array may build it on the stack).
pub(crate) fn zeroed<T: Copy + Default, const N: usize>() -> Box<[T; N]> {
    match vec![T::default(); N].into_boxed_slice().try_into() {
        Ok(array) => array,
        Err(_) => unreachable!("a vector of N elements makes an array of N"),
    }
}

/// A type whose value may be all zero bytes (plain integers, arrays and atomics of them).
///
/// # Safety
/// Every bit pattern of all zeros must be a valid value of the type.
pub(crate) unsafe trait Zeroable {}

// SAFETY: an atomic integer of zero bytes is the integer 0.
unsafe impl Zeroable for std::sync::atomic::AtomicU64 {}

/// `n` values of all zero bytes, in zeroed memory from the allocator: for a table of megabytes,
/// fresh pages that become resident only where something is written (`vec![value; n]` of a type
/// that is not a primitive writes every value, making the whole table resident at once).
pub(crate) fn zeroed_slice<T: Zeroable>(n: usize) -> Box<[T]> {
    let layout = std::alloc::Layout::array::<T>(n).unwrap_or_else(|_| panic!("a table of {n} values is too large"));
    let ptr = if layout.size() == 0 {
        // Nothing to allocate (no values, or values of no size): a box of it frees nothing.
        std::ptr::NonNull::<T>::dangling().as_ptr()
    } else {
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        ptr
    };
    // SAFETY: `ptr` holds `n` values of all zero bytes, valid values of `T` (`Zeroable`), in an
    // allocation made with the layout a box of them frees it with (`Layout::array::<T>(n)`).
    unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, n)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_slices_hold_zeros_of_every_size() {
        use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
        for n in [0, 1, 7, 1 << 18] {
            let t = zeroed_slice::<AtomicU64>(n);
            assert_eq!(t.len(), n);
            assert!(t.iter().all(|v| v.load(Relaxed) == 0));
            if let Some(last) = t.last() {
                last.store(7, Relaxed);
                assert_eq!(t[n - 1].load(Relaxed), 7);
            }
        }
        // Values of no size: nothing is allocated, the length is kept.
        struct Nothing;
        // SAFETY: a type of no bytes has one value, all of its (no) bytes zero.
        unsafe impl Zeroable for Nothing {}
        assert_eq!(zeroed_slice::<Nothing>(5).len(), 5);
    }
}
