//! Credentials never leave the process: URLs written to files or logs lose their
//! userinfo (`http://user:secret@host/` becomes `http://host/`).

/// `text` with the userinfo of every URL in it removed. Works on a bare URL and on
/// free text that quotes URLs (an error message), and leaves everything else as is.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the path, query, fragment, or anything that ends a
        // URL quoted in prose.
        let end = tail
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '"' | '\'' | ')' | '>' | ',') || c.is_whitespace()
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Whether `text` holds a URL with userinfo.
pub fn has_userinfo(text: &str) -> bool {
    redact_urls(text) != text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_removed_from_urls_and_messages() {
        assert_eq!(
            redact_urls("http://user:SECRET@127.0.0.1:8080/v1"),
            "http://127.0.0.1:8080/v1"
        );
        assert_eq!(redact_urls("https://tok@h"), "https://h");
        assert_eq!(
            redact_urls("error sending request for url (http://u:p@h:1/v1/chat): refused"),
            "error sending request for url (http://h:1/v1/chat): refused"
        );
        assert_eq!(
            redact_urls("a http://h/x@y and https://a:b@c?d"),
            "a http://h/x@y and https://c?d"
        );
        assert_eq!(redact_urls("no url here"), "no url here");
        assert!(has_userinfo("http://a:b@c") && !has_userinfo("http://c/@"));
    }
}
