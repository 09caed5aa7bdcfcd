//! Time expressions in user utterances: `17:30`, `5:30 pm`, `5pm`, `noon`,
//! `half past 6`, and what they qualify (`after …` = leave, `by …` = arrive).

use super::text::number_value;

/// How a time is qualified in the utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeKind {
    /// "after 5pm", "leave at", "depart", "leaving".
    Leave,
    /// "by 17:30", "arrive", "before", "get there".
    Arrive,
    /// A bare "at 7pm" with no travel verb (a booking time or a leave time).
    At,
}

/// One time found in an utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeMention {
    /// Minutes after midnight.
    pub minutes: u32,
    /// What the time qualifies.
    pub kind: TimeKind,
    /// Index of the first token of the time expression.
    pub start: usize,
    /// One past the last token of the time expression.
    pub end: usize,
}

impl TimeMention {
    /// The time as the evaluator writes it (`07:05`).
    pub fn hhmm(&self) -> String {
        format_minutes(self.minutes)
    }
}

/// Formats minutes after midnight as `HH:MM`.
pub fn format_minutes(minutes: u32) -> String {
    format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
}

/// Parses `"17:30"`-like tokens into (hour, minute).
fn clock(token: &str) -> Option<(u32, u32)> {
    let t = token.trim_end_matches(['a', 'p', 'm']);
    let (h, m) = t.split_once(':')?;
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.get(..2)?.parse().ok()?;
    (h <= 24 && m < 60).then_some((h, m))
}

/// The meridiem after a time token: `Some(true)` for pm, `Some(false)` for am, with
/// the number of extra tokens it used.
fn meridiem(token: &str, next: &[&str]) -> (Option<bool>, usize) {
    if token.ends_with("pm") {
        return (Some(true), 0);
    }
    if token.ends_with("am") && token.len() > 2 {
        return (Some(false), 0);
    }
    match next {
        ["pm", ..] | ["p", "m", ..] => (Some(true), if next[0] == "p" { 2 } else { 1 }),
        ["am", ..] => (Some(false), 1),
        ["a", "m", ..] => (Some(false), 2),
        ["in", "the", "evening" | "afternoon", ..] => (Some(true), 3),
        ["in", "the", "morning", ..] => (Some(false), 3),
        ["oclock", ..] => (None, 1),
        ["o", "clock", ..] => (None, 2),
        _ => (None, 0),
    }
}

/// The travel qualifier from the few tokens before a time.
fn qualifier(before: &[&str]) -> TimeKind {
    let window = &before[before.len().saturating_sub(6)..];
    // The nearest cue wins: scan from the time backwards. A bare deadline
    // ("by", "before") belongs to the verb before it: "leave the hotel by
    // 7:15" is a departure time, "be there by 7:15" an arrival.
    let mut deadline = false;
    for (i, tok) in window.iter().enumerate().rev() {
        // "a taxi to there at 10:00" names the place, not an arrival ("be
        // there at 10:00").
        let place = |t: &str| t == "there" && i > 0 && matches!(window[i - 1], "to" | "from");
        if place(tok) {
            continue;
        }
        match *tok {
            "leave" | "leaves" | "leaving" | "depart" | "departs" | "departing" | "pick"
            | "pickup" | "picked" | "leaveat" => return TimeKind::Leave,
            "after" | "departure" | "later" | "from" | "earliest" | "past" if !deadline => {
                return TimeKind::Leave;
            }
            "by" | "before" | "until" | "till" | "latest" | "no" => deadline = true,
            "arrive" | "arrives" | "arriving" | "arrival" | "there" | "reach" | "arriveby"
            | "get" => {
                return TimeKind::Arrive;
            }
            _ => {}
        }
    }
    if deadline {
        TimeKind::Arrive
    } else {
        TimeKind::At
    }
}

/// Finds every time expression in normalized tokens.
pub fn find_times(tokens: &[&str]) -> Vec<TimeMention> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        let rest = &tokens[i + 1..];
        let parsed = parse_at(tok, rest, tokens.get(i.wrapping_sub(1)).copied());
        if let Some((minutes, used)) = parsed {
            let start = match tokens.get(i.wrapping_sub(1)) {
                Some(&"half" | &"quarter") => i - 1,
                _ => i,
            };
            let kind = qualifier(&tokens[..start]);
            found.push(TimeMention {
                minutes,
                kind,
                start,
                end: i + 1 + used,
            });
            i += 1 + used;
        } else {
            i += 1;
        }
    }
    found
}

/// Parses a time starting at `tok`; returns minutes and the extra tokens used.
fn parse_at(tok: &str, rest: &[&str], prev: Option<&str>) -> Option<(u32, usize)> {
    match tok {
        "noon" | "midday" | "lunchtime" => return Some((12 * 60, 0)),
        "midnight" => return Some((0, 0)),
        _ => {}
    }
    let (mut h, m, base_used) = if let Some((h, m)) = clock(tok) {
        (h, m, 0)
    } else {
        let stem = tok.trim_end_matches(['a', 'p', 'm']);
        let h = number_value(stem)?;
        if !(1..=12).contains(&h) || stem.is_empty() {
            return None;
        }
        (h, 0, 0)
    };
    let (pm, extra) = meridiem(tok, rest);
    let explicit = clock(tok).is_some() || pm.is_some() || extra > 0;
    let past = matches!(prev, Some("half" | "quarter"));
    if !explicit && !past {
        // A bare number is a time only after a time preposition, and not a count.
        let is_count = matches!(
            rest.first(),
            Some(
                &"people"
                    | &"persons"
                    | &"person"
                    | &"of"
                    | &"guests"
                    | &"nights"
                    | &"night"
                    | &"days"
                    | &"stars"
                    | &"star"
                    | &"minutes"
                    | &"mins"
                    | &"hours"
            )
        );
        if is_count || !matches!(prev, Some("after" | "by" | "at" | "around" | "before")) {
            return None;
        }
    }
    let mut minutes_part = m;
    let mut used = base_used + extra;
    if past {
        // "half past 6" / "quarter past 6": the number follows "past".
        return None;
    }
    if clock(tok).is_none() && extra == 0 {
        // "5 30 pm" written without a colon.
        if let Some(mm) = rest.first().and_then(|t| t.parse::<u32>().ok())
            && (10..60).contains(&mm)
            && rest.first().is_some_and(|t| t.len() == 2)
        {
            let (pm2, extra2) = meridiem(rest[0], &rest[1..]);
            if pm2.is_some() || extra2 > 0 {
                minutes_part = mm;
                used = 1 + extra2;
                if pm2 == Some(true) && h < 12 {
                    h += 12;
                }
                return Some((h * 60 + minutes_part, used));
            }
        }
    }
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        None if clock(tok).is_none() && (1..=6).contains(&h) => h += 12,
        _ => {}
    }
    Some(((h % 24) * 60 + minutes_part, used))
}

/// Finds "half past 6" / "quarter past 6" / "quarter to 6" expressions.
pub fn find_past_expressions(tokens: &[&str]) -> Vec<TimeMention> {
    let mut found = Vec::new();
    for i in 0..tokens.len().saturating_sub(2) {
        let offset = match (tokens[i], tokens[i + 1]) {
            ("half", "past") => 30i32,
            ("quarter", "past") => 15,
            ("quarter", "to" | "til") => -15,
            _ => continue,
        };
        let Some(h) = number_value(tokens[i + 2]).filter(|h| (1..=12).contains(h)) else {
            continue;
        };
        let (pm, extra) = meridiem(tokens[i + 2], &tokens[i + 3..]);
        let mut h = h;
        if (pm == Some(true) || (pm.is_none() && h <= 6)) && h < 12 {
            h += 12;
        }
        let total = i32::try_from(h * 60).unwrap_or(0) + offset;
        found.push(TimeMention {
            minutes: u32::try_from(total.rem_euclid(24 * 60)).unwrap_or(0),
            kind: qualifier(&tokens[..i]),
            start: i,
            end: i + 3 + extra,
        });
    }
    found
}

/// All time mentions of an utterance, in order.
pub fn all_times(tokens: &[&str]) -> Vec<TimeMention> {
    let mut v = find_times(tokens);
    for p in find_past_expressions(tokens) {
        if !v.iter().any(|t| t.start < p.end && p.start < t.end) {
            v.push(p);
        }
    }
    v.sort_by_key(|t| t.start);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(s: &str) -> Vec<(String, TimeKind)> {
        let n = super::super::text::normalize(s);
        let toks: Vec<&str> = n.split_whitespace().collect();
        all_times(&toks)
            .into_iter()
            .map(|t| (t.hhmm(), t.kind))
            .collect()
    }

    #[test]
    fn a_deadline_after_leaving_is_a_departure_time() {
        assert_eq!(
            times("I want to leave the hotel by 7:15"),
            [("07:15".into(), TimeKind::Leave)]
        );
        assert_eq!(
            times("I need to be there by 7:15"),
            [("07:15".into(), TimeKind::Arrive)]
        );
    }

    #[test]
    fn there_as_the_place_of_a_route_is_no_arrival() {
        let kind = |s: &str| times(s).first().map(|t| t.1);
        assert_ne!(
            kind("Can you get me a taxi from the hotel to there at 10:00?"),
            Some(TimeKind::Arrive)
        );
        assert_eq!(kind("I want to get there at 10:00"), Some(TimeKind::Arrive));
    }

    #[test]
    fn clock_times_and_qualifiers() {
        assert_eq!(
            times("leave after 17:30"),
            [("17:30".into(), TimeKind::Leave)]
        );
        assert_eq!(times("arrive by 5pm"), [("17:00".into(), TimeKind::Arrive)]);
        assert_eq!(times("a table at 7 p.m."), [("19:00".into(), TimeKind::At)]);
        assert_eq!(
            times("by 5:45 pm please"),
            [("17:45".into(), TimeKind::Arrive)]
        );
        assert_eq!(times("at 11 am"), [("11:00".into(), TimeKind::At)]);
        assert_eq!(
            times("after half past 6"),
            [("18:30".into(), TimeKind::Leave)]
        );
    }

    #[test]
    fn counts_are_not_times() {
        assert!(times("for 5 people").is_empty());
        assert!(times("at 4 stars").is_empty());
        assert!(times("i need 3 nights").is_empty());
    }
}
