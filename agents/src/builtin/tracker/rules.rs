//! The rules that read one user turn's other answers: counts and days, hotel
//! amenities, "don't care", and an offered venue the user accepts.

use multiwoz::{Domain, Slot};

use super::super::cues::{Ask, declines, is_closing, said_not_to_matter, user_asks};
use super::super::cues::{PARTY_NOUNS, SINGLE_SEAT_WORDS};
use super::super::lexicon::Reading;
use super::super::text::{contains_any, number_value, weekday};
use super::super::times::TimeMention;
use super::{DONTCARE, RuleTracker, TrackView, TurnCtx};

impl RuleTracker {
    /// People counts, nights, stars and weekdays.
    pub(super) fn numbers_and_days(
        &self,
        ctx: &TurnCtx<'_>,
        times: &[TimeMention],
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let d = ctx.domain;
        let bookable = matches!(d, Some(Domain::Restaurant | Domain::Hotel | Domain::Train));
        let toks = &ctx.toks;
        let asks_price = user_asks(ctx.norm).contains(&Ask::Price);
        for (i, tok) in toks.iter().enumerate() {
            if times.iter().any(|t| t.start <= i && i < t.end) {
                continue;
            }
            if let Some(day) = weekday(tok) {
                match d {
                    Some(Domain::Train) => updates.push((Domain::Train, Slot::Day, day.into())),
                    Some(dom @ (Domain::Restaurant | Domain::Hotel)) => {
                        updates.push((dom, Slot::BookDay, day.into()));
                    }
                    _ => {}
                }
                continue;
            }
            let Some(n) = number_value(tok) else { continue };
            let next_tok = toks.get(i + 1).copied().unwrap_or("");
            // "What does one ticket cost?" asks the price of a ticket.
            if n == 1 && asks_price && matches!(next_tok, "ticket" | "seat") {
                continue;
            }
            // "Book one for me", "I need one that is moderately priced": "one"
            // as a pronoun is no count.
            if *tok == "one"
                && !matches!(
                    next_tok,
                    "star"
                        | "stars"
                        | "night"
                        | "nights"
                        | "person"
                        | "people"
                        | "ticket"
                        | "guest"
                        | "adult"
                        | "seat"
                        | "room"
                        | "day"
                )
                && !ctx.sys_asks.contains(&Slot::BookPeople)
                && !booking_for(toks, i, n)
            {
                continue;
            }
            let next = toks.get(i + 1).copied().unwrap_or("");
            let next2 = toks.get(i + 2).copied().unwrap_or("");
            let prev = if i > 0 { toks[i - 1] } else { "" };
            let value = n.to_string();
            // "3 train tickets", "two adult seats": a word may stand between
            // the count and what is counted.
            let counted_seats = matches!(next2, "ticket" | "tickets" | "seat" | "seats")
                && number_value(next).is_none();
            let people_noun = PARTY_NOUNS.contains(&next)
                || counted_seats
                || (next == "of" && next2 == "us")
                || prev == "party"
                || (prev == "of" && toks.get(i.wrapping_sub(2)) == Some(&"party"));
            // "4 stars", and "a star rating of 4", "star of 4".
            let stars_before = prev == "of"
                && matches!(toks.get(i.wrapping_sub(2)).copied(), Some("star" | "stars"))
                || prev == "of"
                    && matches!(toks.get(i.wrapping_sub(2)).copied(), Some("rating"))
                    && matches!(toks.get(i.wrapping_sub(3)).copied(), Some("star" | "stars"));
            if matches!(next, "star" | "stars") || stars_before && n <= 5 {
                updates.push((Domain::Hotel, Slot::Stars, value));
            } else if matches!(next, "night" | "nights")
                || (matches!(next, "days" | "day") && d == Some(Domain::Hotel))
            {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if let Some(dom) = party_domain(ctx, i, n)
                && (people_noun
                    || ((ctx.sys_asks.contains(&Slot::BookPeople)
                        || (prev == "for" && d == Some(Domain::Restaurant) && n <= 12)
                        || prev == "table"
                        || booking_for(toks, i, n))
                        && !matches!(next, "minutes" | "pounds" | "am" | "pm")))
            {
                updates.push((dom, Slot::BookPeople, value));
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::BookStay) && n <= 14
            {
                updates.push((Domain::Hotel, Slot::BookStay, value));
            } else if d == Some(Domain::Hotel) && ctx.sys_asks.contains(&Slot::Stars) && n <= 5 {
                updates.push((Domain::Hotel, Slot::Stars, value));
            }
        }
        // "How much is a ticket?" asks a price: the ticket is no party size.
        let alone = contains_any(
            ctx.norm,
            &[
                "just me",
                "just myself",
                "only me",
                "for myself",
                "one person",
                "just one",
                "alone",
                "by myself",
            ],
        );
        let one_ticket = contains_any(ctx.norm, SINGLE_SEAT_WORDS) && !asks_price;
        if bookable
            && (alone || one_ticket)
            && let Some(dom) = d
        {
            updates.push((dom, Slot::BookPeople, "1".into()));
        }
        // "Tickets for both of us", "me and my wife": a party of two without
        // the number.
        if bookable
            && contains_any(ctx.norm, PAIR_WORDS)
            && let Some(dom) = d
            && !updates.iter().any(|(_, s, _)| *s == Slot::BookPeople)
        {
            updates.push((dom, Slot::BookPeople, "2".into()));
        }
    }

    /// "A 4 star hotel", "an expensive hotel": a hotel described by its stars
    /// or price is the type the user wants (a guesthouse would not do). A bare
    /// "hotel" names the domain only.
    pub(super) fn hotel_type(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        if ctx.toks.contains(&"guesthouse") || ctx.toks.contains(&"guesthouses") {
            return;
        }
        // "Is it a 4 star hotel?" about a guesthouse uses "hotel" loosely: a
        // type already chosen changes only when the user says so.
        let held = view
            .state
            .get(&Domain::Hotel)
            .and_then(|h| h.get(&Slot::Type))
            .is_some_and(|t| t == "guesthouse");
        let contrast = contains_any(
            ctx.norm,
            &[
                "not a guesthouse",
                "instead",
                "actually",
                "rather",
                "prefer a hotel",
            ],
        );
        if held && !contrast {
            return;
        }
        let described = ctx.toks.windows(2).any(|w| {
            w[1] == "hotel"
                && matches!(
                    w[0],
                    "star" | "stars" | "cheap" | "expensive" | "moderate" | "priced" | "luxury"
                )
        });
        if described {
            updates.push((Domain::Hotel, Slot::Type, "hotel".to_string()));
        }
    }

    /// Parking and internet requirements.
    pub(super) fn hotel_flags(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        if ctx.domain.is_some_and(|d| d != Domain::Hotel)
            && !contains_any(ctx.norm, &["hotel", "guesthouse", "stay"])
        {
            return;
        }
        // A negation belongs to the amenity unless another attribute is named
        // between them ("area doesn't matter, free wifi").
        let clause_start = |word_idx: usize| {
            ctx.toks[..word_idx]
                .iter()
                .rposition(|t| {
                    matches!(
                        *t,
                        "area"
                            | "price"
                            | "pricerange"
                            | "star"
                            | "stars"
                            | "type"
                            | "part"
                            | "matter"
                            | "care"
                            | "mind"
                    )
                })
                .map_or(0, |j| j + 1)
        };
        let neg = |word_idx: usize| {
            let lo = word_idx.saturating_sub(6).max(clause_start(word_idx));
            // "Wifi. No, I'd like parking too": a "no" that a new clause
            // follows answers something else.
            (lo..word_idx).any(|j| match ctx.toks[j] {
                "no" => !matches!(
                    ctx.toks.get(j + 1).copied(),
                    Some("i" | "id" | "im" | "we" | "wed" | "were" | "ill")
                ),
                t => matches!(
                    t,
                    "dont" | "doesnt" | "not" | "without" | "shouldnt" | "wont" | "wouldnt"
                ),
            })
        };
        for (i, tok) in ctx.toks.iter().enumerate() {
            let slot = match *tok {
                "parking" => Slot::Parking,
                "wifi" | "internet" => Slot::Internet,
                "fi" if i > 0 && ctx.toks[i - 1] == "wi" => Slot::Internet,
                _ => continue,
            };
            let window = &ctx.toks[i.saturating_sub(7).max(clause_start(i))..i];
            // "Do they have free parking?" asks about a venue; it sets nothing.
            let asks = window
                .iter()
                .any(|t| matches!(*t, "do" | "does" | "if" | "whether" | "is" | "are"))
                && window.iter().any(|t| {
                    matches!(
                        *t,
                        "they" | "it" | "them" | "either" | "any" | "all" | "there"
                    )
                });
            if asks {
                continue;
            }
            // "Internet: no" and "parking not needed" answer after the word.
            let next = ctx.toks.get(i + 1).copied().unwrap_or("");
            let after = ctx.toks.get(i + 2).copied().unwrap_or("");
            let answered_after = match (next, after) {
                // "I don't care about parking", "parking doesn't matter".
                _ if said_not_to_matter(&ctx.toks, i) => Some(DONTCARE),
                ("not" | "no", "needed" | "necessary" | "required" | "important") => Some(DONTCARE),
                // Only "no" that ends the answer: "wifi. No, I'd like parking"
                // reads alike once normalized.
                ("no", "" | "please" | "thanks" | "thank" | "and" | "but") => Some("no"),
                _ => None,
            };
            // "It doesn't need to have free parking" leaves parking open.
            let v = if let Some(v) = answered_after {
                v
            } else if neg(i)
                && window.iter().any(|t| {
                    matches!(
                        *t,
                        "need" | "necessary" | "matter" | "care" | "required" | "needed"
                    )
                })
            {
                DONTCARE
            } else if neg(i) {
                "no"
            } else {
                "yes"
            };
            updates.push((Domain::Hotel, slot, v.to_string()));
        }
    }

    /// "Don't care" answers, attached to the slot named nearby or asked for.
    pub(super) fn dontcare(&self, ctx: &TurnCtx<'_>, updates: &mut Vec<(Domain, Slot, String)>) {
        const PHRASES: &[&str] = &[
            "dont care",
            "doesnt matter",
            "does not matter",
            "no preference",
            "dont mind",
            "dont have a preference",
            "any area",
            "any part",
            "any price",
            "any type",
            "anywhere",
            "either is fine",
            "either one",
            "not important",
            "no particular",
            "whatever",
            "any is fine",
            "any will do",
            "not picky",
            "dont really care",
            "do not care",
            "no specific",
            "does nt matter",
            "any kind",
            "any food",
        ];
        if !contains_any(ctx.norm, PHRASES) {
            return;
        }
        let Some(d) = ctx.domain else { return };
        let named: &[(Slot, &[&str])] = &[
            (
                Slot::Area,
                &["area", "part", "anywhere", "location", "side"],
            ),
            (
                Slot::PriceRange,
                &["price", "pricerange", "cost", "expensive", "cheap"],
            ),
            (Slot::Food, &["food", "cuisine"]),
            (Slot::Type, &["type", "kind"]),
            (Slot::Stars, &["stars", "star", "rating"]),
        ];
        let mut slots: Vec<Slot> = named
            .iter()
            .filter(|(_, w)| contains_any(ctx.norm, w))
            .map(|(s, _)| *s)
            .collect();
        if slots.is_empty() {
            slots = ctx
                .sys_asks
                .iter()
                .copied()
                .filter(|s| !s.is_book())
                .take(2)
                .collect();
        }
        for s in slots {
            if !updates.iter().any(|(ud, us, _)| *ud == d && *us == s) {
                updates.push((d, s, DONTCARE.to_string()));
            }
        }
    }

    /// A venue the system offered becomes the user's choice once the user engages
    /// with it (asks about it or books it) without naming another.
    pub(super) fn accepted_offer(
        &self,
        ctx: &TurnCtx<'_>,
        view: &TrackView,
        current: &[(Domain, Slot, String)],
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        let sys_toks: Vec<&str> = ctx.sys_norm.split(' ').collect();
        let mut names: Vec<Reading> = Vec::new();
        for m in self.lexicon.find(&sys_toks) {
            if let Some(r) = m.readings.iter().find(|r| r.slot == Slot::Name)
                && !names.iter().any(|n| n.value == r.value)
            {
                names.push(r.clone());
            }
        }
        let [offer] = names.as_slice() else { return };
        if current
            .iter()
            .any(|(d, s, _)| *d == offer.domain && *s == Slot::Name)
            || declines(ctx.norm)
        {
            return;
        }
        if ctx.domain.is_some_and(|d| d != offer.domain) {
            return;
        }
        // "I'd like to visit a museum" after an offer of a pool asks for
        // something else: a new or changed constraint refines the search.
        let held = view.state.get(&offer.domain);
        let refines = current.iter().any(|(d, s, v)| {
            *d == offer.domain
                && !s.is_book()
                && *s != Slot::Name
                && held.and_then(|h| h.get(s)) != Some(v)
        });
        if refines {
            return;
        }
        let engaged = !user_asks(ctx.norm).is_empty()
            || contains_any(
                ctx.norm,
                &[
                    "book",
                    "reserve",
                    "sounds good",
                    "sounds great",
                    "that sounds",
                    "perfect",
                    "yes",
                    "that works",
                    "great",
                    "sure",
                ],
            )
            || current
                .iter()
                .any(|(d, s, _)| *d == offer.domain && s.is_book());
        if engaged && !is_closing(ctx.norm) {
            updates.push((offer.domain, Slot::Name, offer.value.clone()));
        }
    }
}

/// The domain a party size said in this turn books: the turn's, when it can
/// be booked; else, for "book it for 2" said while moving on to something that
/// cannot ("… for 2. I'm also looking for a museum"), the one the dialog was
/// about before, when that one can.
/// Phrases that give a party of two without the number.
const PAIR_WORDS: &[&str] = &[
    "both of us",
    "us both",
    "the pair of us",
    "me and my wife",
    "me and my husband",
    "me and my partner",
    "me and my friend",
    "me and my girlfriend",
    "me and my boyfriend",
    "my wife and i",
    "my husband and i",
    "my partner and i",
    "my friend and i",
    "my girlfriend and i",
    "my boyfriend and i",
];

fn party_domain(ctx: &TurnCtx<'_>, i: usize, n: u32) -> Option<Domain> {
    let bookable = |d: Option<Domain>| {
        d.filter(|d| matches!(d, Domain::Restaurant | Domain::Hotel | Domain::Train))
    };
    bookable(ctx.domain).or_else(|| {
        booking_for(&ctx.toks, i, n)
            .then(|| bookable(ctx.before))
            .flatten()
    })
}

/// "book for 2", "reserve it for 3", "yes, for one, please": a count right
/// after "for" in a booking request is the party's size.
fn booking_for(toks: &[&str], i: usize, n: u32) -> bool {
    if i == 0 || toks[i - 1] != "for" || n > 12 {
        return false;
    }
    let asks_to_book = toks[i.saturating_sub(5)..i - 1].iter().any(|t| {
        matches!(
            *t,
            "book" | "booking" | "reserve" | "reservation" | "tickets" | "seats"
        )
    });
    let just_one = toks[i] == "one"
        && matches!(
            toks.get(i + 1).copied(),
            None | Some("and" | "please" | "thanks" | "thank")
        );
    asks_to_book || just_one
}
