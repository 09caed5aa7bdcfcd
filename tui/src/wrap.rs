//! Word wrapping by display width, so that the conversation pane knows how many
//! rows it has and can scroll by rows.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps `text` to rows of at most `width` columns: words move to the next row
/// whole when they fit there, longer words are cut; line breaks in `text` are
/// kept. An empty text gives one empty row.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut rows = Vec::new();
    for line in text.split('\n') {
        wrap_line(line.trim_end_matches('\r'), width, &mut rows);
    }
    rows
}

fn wrap_line(line: &str, width: usize, rows: &mut Vec<String>) {
    let mut row = String::new();
    let mut row_width = 0;
    for word in line.split(' ') {
        let word_width = word.width();
        let space = usize::from(row_width > 0);
        if row_width + space + word_width <= width {
            if space == 1 {
                row.push(' ');
            }
            row.push_str(word);
            row_width += space + word_width;
            continue;
        }
        if row_width > 0 {
            rows.push(std::mem::take(&mut row));
            row_width = 0;
        }
        // The word alone: cut it into pieces of at most `width` columns.
        for c in word.chars() {
            let w = c.width().unwrap_or(0);
            if row_width + w > width && row_width > 0 {
                rows.push(std::mem::take(&mut row));
                row_width = 0;
            }
            row.push(c);
            row_width += w;
        }
    }
    rows.push(row);
}

/// Cuts `text` to at most `width` columns, ending with `…` when cut.
pub fn ellipsize(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_moves_whole_words_and_keeps_line_breaks() {
        assert_eq!(
            wrap("a cheap place in the centre", 10),
            vec!["a cheap", "place in", "the centre"]
        );
        assert_eq!(wrap("one\ntwo", 10), vec!["one", "two"]);
        assert_eq!(wrap("", 5), vec![""]);
    }

    #[test]
    fn wrap_cuts_words_longer_than_the_row() {
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
        assert!(wrap("x abcdefghij y", 4).iter().all(|r| r.width() <= 4));
    }

    #[test]
    fn ellipsize_marks_cut_text() {
        assert_eq!(ellipsize("restaurant", 20), "restaurant");
        assert_eq!(ellipsize("restaurant", 5), "rest…");
    }
}
