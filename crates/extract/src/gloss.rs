//! One-line English rendering of an event from its codes:
//! "Turkey (Hakan Fidan, foreign minister) met Kazakhstan (Yermek Kosherbayev) in Ankara".

use crate::schema::{Event, Participant};

/// (type, mode) → (past verb, base verb). Mode-specific rows first.
const VERBS: &[(&str, &str, &str, &str)] = &[
    ("CONSULT", "visit", "visited", "visit"),
    ("CONSULT", "host", "hosted", "host"),
    ("CONSULT", "call", "called", "call"),
    ("CONSULT", "mediate", "mediated with", "mediate with"),
    ("CONSULT", "", "met", "meet"),
    ("AGREE", "sign", "signed an agreement with", "sign an agreement with"),
    ("AGREE", "", "agreed with", "agree with"),
    ("SUPPORT", "praise", "praised", "praise"),
    ("SUPPORT", "", "expressed support for", "express support for"),
    ("COOPERATE", "", "cooperated with", "cooperate with"),
    ("AID", "", "gave aid to", "give aid to"),
    ("REQUEST", "propose", "made a proposal to", "make a proposal to"),
    ("REQUEST", "invite", "invited", "invite"),
    ("REQUEST", "", "made a request to", "make a request to"),
    ("ACCUSE", "", "accused", "accuse"),
    ("REJECT", "", "rejected", "reject"),
    ("THREATEN", "", "threatened", "threaten"),
    ("PROTEST", "", "protested against", "protest against"),
    ("SANCTION", "", "sanctioned", "sanction"),
    ("MOBILIZE", "", "mobilised against", "mobilise against"),
    ("COERCE", "", "coerced", "coerce"),
    ("ASSAULT", "", "attacked", "attack"),
    ("CONCEDE", "", "made concessions to", "make concessions to"),
    ("RETREAT", "", "retreated from", "retreat from"),
];

fn side(p: &Participant) -> String {
    let who = p.name.clone().or_else(|| p.actor.clone()).unwrap_or_else(|| "someone".into());
    match (&p.agent_name, &p.agent_role) {
        (Some(n), Some(r)) => format!("{who} ({n}, {r})"),
        (Some(n), None) if Some(n) != p.name.as_ref() => format!("{who} ({n})"),
        (None, Some(r)) => format!("{who} ({}, {r})", p.agent.as_deref().unwrap_or("")),
        (None, None) if p.agent.is_some() => format!("{who} ({})", p.agent.as_deref().unwrap_or("")),
        _ => who,
    }
}

pub fn gloss(e: &Event) -> String {
    let mode = e.mode.as_deref().unwrap_or("");
    let (_, _, past, base) = VERBS
        .iter()
        .find(|(t, m, _, _)| *t == e.event_type && *m == mode)
        .or_else(|| VERBS.iter().find(|(t, m, _, _)| *t == e.event_type && m.is_empty()))
        .copied()
        .unwrap_or(("", "", "interacted with", "interact with"));
    let verb = match e.modality.as_str() {
        "planned" => format!("is to {base}"),
        "negated" => format!("did not {base}"),
        "hypothetical" => format!("might {base}"),
        _ => past.to_string(),
    };
    let mut s = format!("{} {verb}", side(&e.source));
    if e.target.actor.is_some() {
        s.push(' ');
        s.push_str(&side(&e.target));
    }
    if let Some(p) = &e.place {
        s.push_str(&format!(" in {}", p.name.as_deref().unwrap_or(&p.text)));
    }
    if let Some(d) = &e.date {
        s.push_str(&format!(" on {d}"));
    }
    s
}
