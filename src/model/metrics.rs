//! Metric history in bounded ring buffers, so a week-long session holds no more than a day one.

use super::Timestamp;
use std::collections::VecDeque;

/// One metric datapoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub at: Timestamp,
    pub value: f64,
}

/// A time series that keeps at most `capacity` points, oldest dropped first, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct RingSeries {
    points: VecDeque<Point>,
    capacity: usize,
}

impl RingSeries {
    pub fn new(capacity: usize) -> Self {
        Self {
            points: VecDeque::with_capacity(capacity.min(1024)),
            capacity: capacity.max(1),
        }
    }

    /// Appends a point; a point not newer than the last one replaces it when at the same instant
    /// and is ignored when older.
    pub fn push(&mut self, p: Point) {
        if let Some(last) = self.points.back_mut() {
            if p.at == last.at {
                last.value = p.value;
                return;
            }
            if p.at < last.at {
                return;
            }
        }
        if self.points.len() == self.capacity {
            self.points.pop_front();
        }
        self.points.push_back(p);
    }

    /// Merges points (any order) into the series.
    pub fn merge(&mut self, pts: &[Point]) {
        for p in pts {
            self.push(*p);
        }
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn last(&self) -> Option<Point> {
        self.points.back().copied()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Point> + ExactSizeIterator {
        self.points.iter()
    }

    /// The values, oldest first.
    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.value).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_ordered() {
        let mut s = RingSeries::new(3);
        for i in 0..10 {
            s.push(Point {
                at: Timestamp(i),
                value: i as f64,
            });
        }
        assert_eq!(s.len(), 3);
        assert_eq!(s.values(), vec![7.0, 8.0, 9.0]);
        s.push(Point {
            at: Timestamp(5),
            value: 0.0,
        });
        assert_eq!(s.values(), vec![7.0, 8.0, 9.0]);
        s.push(Point {
            at: Timestamp(9),
            value: 1.0,
        });
        assert_eq!(s.values(), vec![7.0, 8.0, 1.0]);
    }
}
