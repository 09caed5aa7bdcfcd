//! "The same area as the restaurant", "on the same day", "for the same group":
//! values the user gives by pointing at another domain's state.

use multiwoz::{Domain, Slot};

use super::super::text::contains_any;
use super::{RuleTracker, TrackView, TurnCtx};

/// The venue domain a phrase like "the restaurant" or "my hotel" points at.
fn domain_of(token: &str) -> Option<Domain> {
    Some(match token {
        "restaurant" | "dinner" | "lunch" | "table" => Domain::Restaurant,
        "hotel" | "guesthouse" | "lodging" | "room" => Domain::Hotel,
        "attraction" | "museum" | "college" | "church" | "theatre" | "cinema" | "park" | "pool"
        | "gallery" | "nightclub" | "club" | "boat" | "architecture" => Domain::Attraction,
        "train" => Domain::Train,
        _ => return None,
    })
}

/// The venue domains a turn names only as landmarks: "in the same area as the
/// restaurant", "near the museum", "close to my hotel", "on the same day my
/// train arrives".
pub(super) fn landmark_domains(toks: &[&str]) -> Vec<Domain> {
    let mut out = Vec::new();
    for (i, tok) in toks.iter().enumerate() {
        let Some(d) = domain_of(tok) else { continue };
        if i >= 2
            && matches!(toks[i - 1], "the" | "my" | "our" | "that")
            // "as the restaurant", "the same day my train arrives".
            && matches!(
                toks[i - 2],
                "as" | "near" | "to" | "by" | "from" | "day" | "date" | "night"
            )
            && toks[..i]
                .iter()
                .any(|t| matches!(*t, "same" | "near" | "close" | "nearby"))
            && !out.contains(&d)
        {
            out.push(d);
        }
    }
    out
}

/// Words that put a venue near the one in focus without naming it.
const NEARBY_WORDS: &[&str] = &[
    "nearby",
    "near by",
    "close by",
    "near there",
    "near it",
    "close to it",
    "close to there",
    "in the vicinity",
];

impl RuleTracker {
    /// Copies values the user refers to in another domain: area and price range
    /// from a venue, the day and the party size from a booking or a journey.
    pub(super) fn same_as(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let Some(target) = ctx.domain else { return };
        if !contains_any(
            ctx.norm,
            &[
                "same",
                "near",
                "close to",
                "nearby",
                "by the",
                "entire party",
                "whole party",
                "whole group",
                "entire group",
                "everyone",
            ],
        ) {
            return;
        }
        let toks = &ctx.toks;
        // The domain pointed at: the first domain noun after "same"/"near", else
        // the most recent other domain in the state.
        let anchor = toks
            .iter()
            .position(|t| matches!(*t, "same" | "near" | "close" | "nearby"))
            .unwrap_or(0);
        let source = toks[anchor..]
            .iter()
            .filter_map(|t| domain_of(t))
            .find(|d| *d != target)
            .or_else(|| {
                ctx.before
                    .filter(|d| *d != target && view.state.contains_key(d))
            });
        // Without a pointer, the party and the day come from whichever other
        // domain has them (a group travels and eats together).
        let source = source.or_else(|| {
            view.state
                .iter()
                .find(|(d, st)| {
                    **d != target
                        && (st.contains_key(&Slot::BookPeople) || st.contains_key(&Slot::BookDay))
                })
                .map(|(d, _)| *d)
        });
        let same_area = contains_any(
            ctx.norm,
            &[
                "same area",
                "same part",
                "same side",
                "same location",
                "same neighborhood",
            ],
        );
        let Some(source) = source else {
            // "Any colleges in the same area?": the area of the venue this
            // domain last offered.
            if same_area
                && let Some(area) = view
                    .offered
                    .get(&target)
                    .and_then(|name| self.lexicon.area_of(name))
                && !updates
                    .iter()
                    .any(|(d, s, _)| *d == target && *s == Slot::Area)
            {
                updates.push((target, Slot::Area, area.to_string()));
            }
            return;
        };
        let Some(src) = view.state.get(&source) else {
            return;
        };
        // A venue chosen by name has no area in the state: the database's
        // area of that venue stands in for it.
        let with_area;
        let src = match src
            .get(&Slot::Name)
            .or_else(|| view.offered.get(&source))
            .and_then(|name| self.lexicon.area_of(name))
        {
            Some(area) if !src.contains_key(&Slot::Area) => {
                let mut s = src.clone();
                s.insert(Slot::Area, area.to_string());
                with_area = s;
                &with_area
            }
            _ => src,
        };
        let mut copy = |from: &[Slot], to: Slot| {
            if updates.iter().any(|(d, u, _)| *d == target && *u == to) {
                return;
            }
            if let Some(v) = from.iter().find_map(|s| src.get(s)) {
                updates.push((target, to, v.clone()));
            }
        };
        let venue =
            |d: Domain| matches!(d, Domain::Restaurant | Domain::Hotel | Domain::Attraction);
        let near = contains_any(ctx.norm, &["near", "close to", "nearby", "by the"]);
        // "A hotel nearby": near the venue in focus, with nothing else named.
        let nearby = contains_any(ctx.norm, NEARBY_WORDS);
        if venue(target)
            && venue(source)
            && (same_area
                || nearby
                || near
                    && contains_any(
                        ctx.norm,
                        &[
                            "area",
                            "the restaurant",
                            "the hotel",
                            "the attraction",
                            "the museum",
                            "the college",
                        ],
                    ))
        {
            copy(&[Slot::Area], Slot::Area);
        }
        if venue(target)
            && venue(source)
            && contains_any(ctx.norm, &["same price", "same pricerange"])
        {
            copy(&[Slot::PriceRange], Slot::PriceRange);
        }
        if contains_any(ctx.norm, &["same day", "same date", "same night"]) {
            let to = if target == Domain::Train {
                Slot::Day
            } else {
                Slot::BookDay
            };
            if matches!(target, Domain::Train | Domain::Restaurant | Domain::Hotel) {
                copy(&[Slot::BookDay, Slot::Day], to);
            }
        }
        if contains_any(
            ctx.norm,
            &[
                "same group",
                "same people",
                "same number",
                "same amount",
                "same party",
                "same size",
                "same six",
                "same five",
                "same four",
                "same three",
                "same two",
                "entire party",
                "whole party",
                "whole group",
                "entire group",
                "everyone",
            ],
        ) && matches!(target, Domain::Train | Domain::Restaurant | Domain::Hotel)
        {
            copy(&[Slot::BookPeople], Slot::BookPeople);
        }
    }
}
