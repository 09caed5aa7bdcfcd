//! Recent results of pure functions of a text, kept per thread.
//!
//! One user turn is read by the tracker, the router, the policy and the
//! realizer, and each asks the same questions of it ("what does it ask?",
//! "does it close the dialog?"). Rather than thread one analysis through every
//! role, the few functions that profiles show are asked most remember their
//! last answers: a turn is analysed once per thread, whichever role asks
//! first.

use std::cell::RefCell;
use std::thread::LocalKey;

/// How many recent texts each function remembers: a turn's user text, its
/// normalized form and the previous system turn fit with room to spare.
const SLOTS: usize = 8;

/// The recent answers of one function.
pub(crate) struct Recent<T> {
    entries: Vec<(String, T)>,
    next: usize,
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent {
            entries: Vec::with_capacity(SLOTS),
            next: 0,
        }
    }
}

impl<T: Clone> Recent<T> {
    fn get(&self, key: &str) -> Option<T> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn put(&mut self, key: &str, value: T) {
        if self.entries.len() < SLOTS {
            self.entries.push((key.to_string(), value));
        } else {
            self.entries[self.next] = (key.to_string(), value);
            self.next = (self.next + 1) % SLOTS;
        }
    }
}

/// `f(key)`, from the thread's recent answers when it has one. `f` must be a
/// pure function of `key`; it may itself use other caches (never this one).
pub(crate) fn remembered<T: Clone + 'static>(
    cache: &'static LocalKey<RefCell<Recent<T>>>,
    key: &str,
    f: impl FnOnce(&str) -> T,
) -> T {
    // The borrow is dropped before `f` runs, so `f` may use other caches.
    if let Some(hit) = cache.with(|c| c.borrow().get(key)) {
        return hit;
    }
    let value = f(key);
    cache.with(|c| c.borrow_mut().put(key, value.clone()));
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    thread_local! {
        static LENGTHS: RefCell<Recent<usize>> = RefCell::default();
        static CALLS: Cell<usize> = const { Cell::new(0) };
    }

    fn length(text: &str) -> usize {
        remembered(&LENGTHS, text, |t| {
            CALLS.with(|c| c.set(c.get() + 1));
            t.len()
        })
    }

    #[test]
    fn a_text_asked_again_is_answered_from_memory_and_old_ones_are_forgotten() {
        assert_eq!(length("hello"), 5);
        assert_eq!(length("hello"), 5);
        assert_eq!(CALLS.with(Cell::get), 1);
        for i in 0..SLOTS {
            assert_eq!(length(&"x".repeat(i + 10)), i + 10);
        }
        // "hello" was the oldest of more than SLOTS texts: computed again.
        assert_eq!(length("hello"), 5);
        assert_eq!(CALLS.with(Cell::get), SLOTS + 2);
    }
}
