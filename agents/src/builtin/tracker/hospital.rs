//! The hospital department a user means without its full name: "the paediatric
//! department", "my child is ill", "someone with heart trouble".

use multiwoz::{Domain, Slot};

use super::{RuleTracker, TurnCtx};

/// Everyday words for what a department treats: (word, a word of the
/// department's name).
const LAY_WORDS: &[(&str, &str)] = &[
    ("child", "paediatric"),
    ("children", "paediatric"),
    ("childs", "paediatric"),
    ("kid", "paediatric"),
    ("kids", "paediatric"),
    ("pediatric", "paediatric"),
    ("paediatrics", "paediatric"),
    ("newborn", "neonatal"),
    ("heart", "cardiology"),
    ("cardiac", "cardiology"),
    ("eye", "eye"),
    ("eyes", "eye"),
    ("cancer", "oncology"),
    ("tumour", "oncology"),
    ("tumor", "oncology"),
    ("kidney", "nephrology"),
    ("kidneys", "nephrology"),
    ("bone", "orthopaedics"),
    ("bones", "orthopaedics"),
    ("fracture", "orthopaedics"),
    ("broken", "orthopaedics"),
    ("mental", "psychiatry"),
    ("pregnant", "antenatal"),
    ("pregnancy", "antenatal"),
    ("labour", "delivery"),
    ("blood", "haematology"),
    ("stomach", "gastroenterology"),
    ("liver", "hepatology"),
    ("infection", "infectious"),
    ("brain", "neurology"),
    ("lungs", "respiratory"),
    ("breathing", "respiratory"),
    ("elderly", "elderly"),
    ("emergency", "emergency"),
];

/// Words of department names that say nothing about what a department does.
const GENERIC_WORDS: &[&str] = &[
    "unit",
    "department",
    "medicine",
    "medical",
    "surgery",
    "surgical",
    "care",
    "and",
    "for",
    "the",
    "high",
    "dependency",
    "dependancy",
    "intensive",
    "clinical",
    "services",
    "area",
    "centre",
    "regional",
    "referral",
    "short",
    "stay",
    "general",
    "critical",
    "acute",
    "day",
    "admissions",
    "investigation",
    "research",
    "facility",
    "ward",
    "theatre",
    "decisions",
    "assessment",
    "clinic",
    "inpatient",
    "cambridge",
];

impl RuleTracker {
    /// A hospital turn naming no department in full: the department whose name
    /// has the most of the turn's words (everyday words read as the
    /// department's), the first in database order on a tie.
    pub(super) fn hospital_department(
        &self,
        ctx: &TurnCtx<'_>,
        updates: &mut Vec<(Domain, Slot, String)>,
    ) {
        if ctx.domain != Some(Domain::Hospital)
            || updates
                .iter()
                .any(|(d, s, _)| *d == Domain::Hospital && *s == Slot::Department)
        {
            return;
        }
        let words: Vec<&str> = ctx
            .toks
            .iter()
            .map(|t| {
                LAY_WORDS
                    .iter()
                    .find(|(lay, _)| lay == t)
                    .map_or(*t, |(_, w)| *w)
            })
            .filter(|t| t.len() > 2 && !GENERIC_WORDS.contains(t))
            .collect();
        let mut best: Option<(usize, &String)> = None;
        for department in self.lexicon().departments() {
            let name: Vec<&str> = department
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            let shared = words.iter().filter(|w| name.contains(w)).count();
            if shared > 0 && best.is_none_or(|(n, _)| shared > n) {
                best = Some((shared, department));
            }
        }
        if let Some((_, department)) = best {
            updates.push((Domain::Hospital, Slot::Department, department.clone()));
        }
    }
}
