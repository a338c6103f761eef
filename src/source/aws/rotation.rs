//! Reads in rotation. What the operator has on screen, and what is under way, is read every
//! time; of the rest, the least recently read `ceil(n / ROTATION)` a read, so nothing is more
//! than [`ROTATION`] reads old. Whatever is carried over from an earlier read says when it was
//! read, and the screen shows its age.

/// Everything off screen and at rest is read at least once in this many reads; the listings
/// that find new resources run as often.
pub const ROTATION: u64 = 6;

/// This read's share of the resources at rest (each with the read that last read it): the least
/// recently read `ceil(n / ROTATION)`, in their order when read as recently.
pub fn share<K>(mut rest: Vec<(u64, K)>) -> impl Iterator<Item = K> {
    rest.sort_by_key(|r| r.0);
    let n = rest.len().div_ceil(ROTATION as usize);
    rest.into_iter().take(n).map(|r| r.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_read_sixth_rounded_up() {
        let rest: Vec<(u64, &str)> = vec![
            (5, "e"),
            (1, "a"),
            (3, "c"),
            (2, "b"),
            (4, "d"),
            (6, "f"),
            (7, "g"),
        ];
        assert_eq!(share(rest).collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(share(Vec::<(u64, u8)>::new()).count(), 0);
        assert_eq!(share(vec![(9, 'x')]).collect::<Vec<_>>(), ['x']);
    }
}
