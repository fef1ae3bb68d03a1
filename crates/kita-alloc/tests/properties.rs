//! Property tests with an independent reference model: stability, capacities, child-optimality
//! (brute force over all stable matchings), strategy-proofness (search over manipulated lists),
//! rounds never worsen accepted children, reproducibility.
#![allow(clippy::needless_range_loop)]

use kita_alloc::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap};

const AGES: [(&str, &str); 3] = [
    ("U2", "2024-05-01"),
    ("U3", "2023-03-01"),
    ("Ü3", "2021-09-01"),
];
const HOURS: [i64; 3] = [25, 35, 45];

/// Small market description, independent of the crate's internal model.
#[derive(Clone, Debug)]
struct Small {
    /// capacity[(kita, age, hours)]
    caps: BTreeMap<(usize, usize, usize), i64>,
    /// per Kita: (criterion index 0 = geschwister / 1 = wartezeit, desc?)
    rules: Vec<Vec<(usize, bool)>>,
    children: Vec<SmallChild>,
}

#[derive(Clone, Debug)]
struct SmallChild {
    age: usize,
    hours: usize,
    /// (kita, explicit hours)
    wishes: Vec<(usize, Option<usize>)>,
    wartezeit: i64,
    /// sibling flag per Kita
    sibling: Vec<i64>,
}

impl SmallChild {
    fn bucket(&self, w: (usize, Option<usize>)) -> (usize, usize, usize) {
        (w.0, self.age, w.1.unwrap_or(self.hours))
    }
}

fn id(c: usize) -> String {
    format!("C{c}")
}

impl Small {
    fn nkitas(&self) -> usize {
        self.rules.len()
    }

    fn input(&self) -> MarketInput {
        MarketInput {
            kita_year: 2025,
            criteria: vec![
                CriterionInput {
                    id: "geschwister".into(),
                    label: Some("Geschwisterkind".into()),
                },
                CriterionInput {
                    id: "wartezeit".into(),
                    label: Some("Wartezeit".into()),
                },
            ],
            kitas: (0..self.nkitas())
                .map(|k| KitaInput {
                    id: format!("K{k}"),
                    name: Some(format!("Kita {k}")),
                    capacity: self
                        .caps
                        .iter()
                        .filter(|((kk, _, _), _)| *kk == k)
                        .map(|(&(_, a, h), &p)| CapacityInput {
                            age_group: AGES[a].0.into(),
                            hours: HOURS[h],
                            places: p,
                        })
                        .collect(),
                    rules: self.rules[k]
                        .iter()
                        .map(|&(c, desc)| RuleInput {
                            criterion: ["geschwister", "wartezeit"][c].into(),
                            order: Some(if desc { "desc" } else { "asc" }.into()),
                        })
                        .collect(),
                })
                .collect(),
            children: self
                .children
                .iter()
                .enumerate()
                .map(|(i, c)| ChildInput {
                    id: id(i),
                    birth_date: AGES[c.age].1.into(),
                    start_month: "2025-08".into(),
                    hours: HOURS[c.hours],
                    wishes: c
                        .wishes
                        .iter()
                        .map(|&(k, h)| WishInput::Full {
                            kita: format!("K{k}"),
                            hours: h.map(|h| HOURS[h]),
                        })
                        .collect(),
                    values: [("wartezeit".to_string(), c.wartezeit)].into(),
                    kita_values: c
                        .sibling
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| **v != 0)
                        .map(|(k, v)| {
                            (
                                format!("K{k}"),
                                [("geschwister".to_string(), *v)].into_iter().collect(),
                            )
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    fn market(&self) -> Market {
        Market::from_input(&self.input()).expect("generated small market is valid")
    }

    fn cap(&self, b: (usize, usize, usize)) -> usize {
        self.caps.get(&b).copied().unwrap_or(0) as usize
    }

    /// Reference priority of child c at Kita k: smaller = better (criteria, then lottery).
    fn prio(&self, c: usize, k: usize, lottery: &[u32]) -> (Vec<i64>, u32) {
        let ch = &self.children[c];
        let v = self.rules[k]
            .iter()
            .map(|&(crit, desc)| {
                let x = if crit == 0 {
                    ch.sibling[k]
                } else {
                    ch.wartezeit
                };
                if desc { -x } else { x }
            })
            .collect();
        (v, lottery[c])
    }
}

/// A matching in the reference model: per child the index of the granted wish.
type Assign = Vec<Option<usize>>;

fn from_outcome(o: &Outcome) -> Assign {
    o.assignments
        .iter()
        .map(|a| a.wish.map(|w| w as usize - 1))
        .collect()
}

fn lottery_of(o: &Outcome) -> Vec<u32> {
    o.assignments.iter().map(|a| a.lottery).collect()
}

fn feasible(s: &Small, m: &Assign) -> bool {
    let mut used: HashMap<(usize, usize, usize), usize> = HashMap::new();
    for (c, w) in m.iter().enumerate() {
        if let Some(w) = *w {
            let Some(&wish) = s.children[c].wishes.get(w) else {
                return false;
            };
            *used.entry(s.children[c].bucket(wish)).or_default() += 1;
        }
    }
    used.iter().all(|(b, n)| *n <= s.cap(*b))
}

/// Children in a blocking pair (justified envy / waste), using `prio`.
fn blocking(s: &Small, m: &Assign, lottery: &[u32], limit: &[usize]) -> Vec<usize> {
    let mut holders: HashMap<(usize, usize, usize), Vec<usize>> = HashMap::new();
    for (c, w) in m.iter().enumerate() {
        if let Some(w) = *w {
            holders
                .entry(s.children[c].bucket(s.children[c].wishes[w]))
                .or_default()
                .push(c);
        }
    }
    let mut out = Vec::new();
    for (c, ch) in s.children.iter().enumerate() {
        let upto = m[c].unwrap_or(limit[c]).min(limit[c]);
        for w in 0..upto {
            let b = ch.bucket(ch.wishes[w]);
            let cap = s.cap(b);
            if cap == 0 {
                continue;
            }
            let hs = holders.get(&b).map_or(&[][..], |v| &v[..]);
            if hs.len() < cap
                || hs
                    .iter()
                    .any(|&d| s.prio(c, b.0, lottery) < s.prio(d, b.0, lottery))
            {
                out.push(c);
                break;
            }
        }
    }
    out
}

fn all_matchings(s: &Small) -> Vec<Assign> {
    let mut out = vec![vec![]];
    for ch in &s.children {
        let mut next = Vec::new();
        for m in &out {
            for opt in std::iter::once(None).chain((0..ch.wishes.len()).map(Some)) {
                let mut m2 = m.clone();
                m2.push(opt);
                next.push(m2);
            }
        }
        out = next;
    }
    out.into_iter().filter(|m| feasible(s, m)).collect()
}

fn rank(a: Option<usize>) -> usize {
    a.unwrap_or(usize::MAX)
}

fn small_market() -> impl Strategy<Value = Small> {
    (1usize..=3, 1usize..=6).prop_flat_map(|(nk, nc)| {
        let caps = proptest::collection::vec(0i64..=2, nk * 2);
        let rules = proptest::collection::vec(
            prop_oneof![
                Just(vec![]),
                Just(vec![(0, true)]),
                Just(vec![(0, true), (1, true)]),
                Just(vec![(1, true), (0, true)]),
                Just(vec![(1, false)]),
            ],
            nk,
        );
        let child = (
            0usize..2,
            0usize..2,
            proptest::sample::subsequence((0..nk).collect::<Vec<_>>(), 0..=nk).prop_shuffle(),
            proptest::collection::vec(prop::option::weighted(0.2, 0usize..2), nk),
            0i64..3,
            proptest::collection::vec(prop::bool::weighted(0.3), nk),
        )
            .prop_map(|(age, hours, kitas, hrs, wz, sib)| SmallChild {
                age: age + 1, // U3 or Ü3
                hours: hours + 1,
                wishes: kitas
                    .into_iter()
                    .map(|k| (k, hrs[k].map(|h| h + 1)))
                    .collect(),
                wartezeit: wz,
                sibling: sib.into_iter().map(i64::from).collect(),
            });
        (caps, rules, proptest::collection::vec(child, nc)).prop_map(
            move |(caps, rules, children)| {
                // capacities for (age U3/Ü3) × default hours 35/45; the other buckets stay empty
                let mut cmap = BTreeMap::new();
                for k in 0..nk {
                    cmap.insert((k, 1 + (k % 2), 1), caps[2 * k]);
                    cmap.insert((k, 2, 2 - (k % 2)), caps[2 * k + 1]);
                }
                Small {
                    caps: cmap,
                    rules,
                    children,
                }
            },
        )
    })
}

fn quick() -> Options {
    Options {
        explanations: true,
        compare_kita_proposing: true,
        max_differences: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Stable, within capacity, child-optimal (= best stable matching for every child, brute
    /// force), and the Kita-proposing variant is the worst stable matching for every child.
    #[test]
    fn stable_feasible_child_optimal(s in small_market(), seed in any::<u64>()) {
        let market = s.market();
        let o = allocate(&market, seed, &quick());
        let lot = lottery_of(&o);
        let mut sorted = lot.clone();
        sorted.sort_unstable();
        prop_assert_eq!(sorted, (1..=s.children.len() as u32).collect::<Vec<_>>());
        let da = from_outcome(&o);
        let full: Vec<usize> = s.children.iter().map(|c| c.wishes.len()).collect();
        prop_assert!(feasible(&s, &da));
        prop_assert!(blocking(&s, &da, &lot, &full).is_empty());
        prop_assert_eq!(o.stats.justified_envy, 0);

        let stable: Vec<Assign> = all_matchings(&s)
            .into_iter()
            .filter(|m| blocking(&s, m, &lot, &full).is_empty())
            .collect();
        prop_assert!(stable.contains(&da));
        for m in &stable {
            for c in 0..s.children.len() {
                prop_assert!(rank(da[c]) <= rank(m[c]), "child {} better in {:?} than DA {:?}", c, m, da);
            }
        }
        // Kita-proposing: reconstruct its matching from the reported differences
        let cmp = o.kita_proposing.as_ref().unwrap();
        let mut kp = da.clone();
        for d in &cmp.differences {
            let c: usize = d.child[1..].parse().unwrap();
            kp[c] = d.kita_proposing.as_ref().map(|p| p.wish as usize - 1);
        }
        prop_assert!(stable.contains(&kp));
        for m in &stable {
            for c in 0..s.children.len() {
                prop_assert!(rank(kp[c]) >= rank(m[c]));
            }
        }
        prop_assert_eq!(cmp.better_with_kita_proposing, 0);
        // every non-granted higher wish is explained, none as an error
        for (c, a) in o.assignments.iter().enumerate() {
            let higher = a.wish.map_or(s.children[c].wishes.len(), |w| w as usize - 1);
            prop_assert_eq!(a.explanations.len(), higher);
            prop_assert!(a.explanations.iter().all(|e| e.reason != Reason::Envy));
        }
    }

    /// No child gets a better Kita (by its true list) by reporting another list.
    #[test]
    fn strategy_proof(s in small_market(), seed in any::<u64>()) {
        let truth = from_outcome(&allocate(&s.market(), seed, &Options { explanations: false, compare_kita_proposing: false, max_differences: None }));
        for c in 0..s.children.len() {
            let ch = &s.children[c];
            let mut cands: Vec<(usize, Option<usize>)> = ch.wishes.clone();
            for k in 0..s.nkitas() {
                if !cands.iter().any(|w| ch.bucket(*w) == ch.bucket((k, None))) {
                    cands.push((k, None));
                }
            }
            // all ordered lists of length <= 3 over the candidates
            let mut lists: Vec<Vec<(usize, Option<usize>)>> = vec![vec![]];
            let mut frontier = lists.clone();
            for _ in 0..3 {
                let mut next = Vec::new();
                for l in &frontier {
                    for w in &cands {
                        if !l.iter().any(|x| ch.bucket(*x) == ch.bucket(*w)) {
                            let mut l2 = l.clone();
                            l2.push(*w);
                            next.push(l2);
                        }
                    }
                }
                lists.extend(next.iter().cloned());
                frontier = next;
            }
            let true_rank = |b: (usize, usize, usize)| ch.wishes.iter().position(|w| ch.bucket(*w) == b);
            let honest = rank(truth[c]);
            for l in lists {
                let mut s2 = s.clone();
                s2.children[c].wishes = l.clone();
                let o2 = allocate(&s2.market(), seed, &Options { explanations: false, compare_kita_proposing: false, max_differences: None });
                let got = o2.assignments[c].wish.map(|w| ch.bucket(l[w as usize - 1]));
                let r = rank(got.and_then(true_rank));
                prop_assert!(r >= honest, "child {} gains with list {:?}: {} < {}", c, l, r, honest);
            }
        }
    }

    /// Follow-up rounds: accepted children never get worse, declined places are reused,
    /// capacities hold, no justified envy (w.r.t. guaranteed places), same seed → same result.
    #[test]
    fn rounds_never_worsen_accepted(s in small_market(), seed in any::<u64>(), resp in proptest::collection::vec(0u8..4, 6), resp2 in proptest::collection::vec(0u8..4, 6)) {
        let market = s.market();
        let mut prev = allocate(&market, seed, &quick());
        for answers in [&resp, &resp2] {
            let mut responses = Responses::new();
            for (c, a) in prev.assignments.iter().enumerate() {
                if matches!(a.status, Status::Offered | Status::Kept | Status::Upgraded) {
                    match answers[c] {
                        0 => {}
                        1 => { responses.insert(a.child.clone(), Response::Accepted); }
                        2 => { responses.insert(a.child.clone(), Response::Declined); }
                        _ => { responses.insert(a.child.clone(), Response::DeclinedKeepWaiting); }
                    }
                }
            }
            let next = follow_up_round(&market, &prev, &responses, &quick()).unwrap();
            prop_assert_eq!(&next, &follow_up_round(&market, &prev, &responses, &quick()).unwrap());
            prop_assert_eq!(next.round, prev.round + 1);
            let na = from_outcome(&next);
            prop_assert!(feasible(&s, &na));
            prop_assert_eq!(next.stats.justified_envy, 0);
            for (c, (a, b)) in prev.assignments.iter().zip(&next.assignments).enumerate() {
                prop_assert_eq!(a.lottery, b.lottery);
                match (a.status, responses.get(&a.child)) {
                    (Status::Offered | Status::Kept | Status::Upgraded, None | Some(Response::Accepted)) => {
                        prop_assert!(b.wish.is_some() && b.wish <= a.wish, "child {} worse: {:?} -> {:?}", c, a, b);
                        prop_assert!(matches!(b.status, Status::Kept | Status::Upgraded));
                    }
                    (_, Some(Response::Declined)) | (Status::Withdrawn, _) => {
                        prop_assert_eq!(b.status, Status::Withdrawn);
                        prop_assert!(b.wish.is_none());
                    }
                    (_, Some(Response::DeclinedKeepWaiting)) => {
                        prop_assert!(b.wish.is_none() || b.wish < a.wish);
                    }
                    (Status::Unassigned, None) => {}
                    other => prop_assert!(false, "unexpected {:?}", other),
                }
            }
            // reference stability check on the remaining lists: a child without a guarantee
            // never envies a bucket with a free place
            let limits: Vec<usize> = next.assignments.iter().map(|a| a.eligible_wishes as usize).collect();
            let lot = lottery_of(&next);
            for c in blocking(&s, &na, &lot, &limits) {
                // envy may only be towards children holding a guaranteed place
                let ch = &s.children[c];
                let upto = na[c].unwrap_or(limits[c]);
                for w in 0..upto {
                    let b = ch.bucket(ch.wishes[w]);
                    let holders: Vec<usize> = (0..s.children.len()).filter(|&d| na[d].map(|x| s.children[d].bucket(s.children[d].wishes[x])) == Some(b)).collect();
                    prop_assert!(holders.len() == s.cap(b) || s.cap(b) == 0, "free place left in {:?}", b);
                }
            }
            prev = next;
        }
    }

    /// Same seed → same result (bit for bit, also as JSON); row order does not matter.
    #[test]
    fn reproducible(s in small_market(), seed in any::<u64>()) {
        let market = s.market();
        let a = allocate(&market, seed, &quick());
        let b = allocate(&market, seed, &quick());
        prop_assert_eq!(outcome_to_json(&a), outcome_to_json(&b));
        let mut rev = s.input();
        rev.children.reverse();
        let r = allocate(&Market::from_input(&rev).unwrap(), seed, &quick());
        for x in &a.assignments {
            let y = r.assignments.iter().find(|y| y.child == x.child).unwrap();
            prop_assert_eq!(&x.kita, &y.kita);
            prop_assert_eq!(x.lottery, y.lottery);
        }
    }
}

/// Medium generated markets: capacities and no justified envy by an independent check.
#[test]
fn generated_markets_are_stable() {
    for seed in 0..4u64 {
        let market = generate(&GenerateParams {
            children: 1500,
            kitas: 40,
            seed,
            ..GenerateParams::default()
        });
        let o = allocate(&market, seed, &Options::default());
        assert_eq!(o.stats.justified_envy, 0);
        let mut used: HashMap<(String, AgeGroup, Hours), u32> = HashMap::new();
        for a in &o.assignments {
            if let (Some(k), Some(h)) = (&a.kita, a.hours) {
                *used.entry((k.clone(), a.age_group, h)).or_default() += 1;
            }
        }
        for (k, kita) in market.kitas.iter().enumerate() {
            for a in AgeGroup::ALL {
                for h in Hours::ALL {
                    let n = used.get(&(kita.id.clone(), a, h)).copied().unwrap_or(0);
                    assert!(n <= kita.capacity[a.index()][h.index()], "{k} {a} {h}");
                }
            }
        }
        let by_wish: u32 = o.stats.by_wish.iter().sum();
        assert_eq!(by_wish, o.stats.assigned);
        assert_eq!(o.stats.assigned + o.stats.unassigned, 1500);
        assert_eq!(
            o.stats.free_places,
            o.stats.places - u64::from(o.stats.assigned)
        );
        let cmp = o.kita_proposing.unwrap();
        assert_eq!(cmp.better_with_kita_proposing, 0);
        // every cutoff of a full bucket is met by every child admitted there
        assert!(o.cutoffs.iter().any(|c| c.full));
    }
}

/// The reference checker itself detects an unstable matching (so the properties can fail).
#[test]
fn checker_detects_blocking_pairs() {
    let s = Small {
        caps: [((0, 1, 1), 1), ((1, 1, 1), 1)].into(),
        rules: vec![vec![(1, true)], vec![(1, true)]],
        children: vec![
            SmallChild {
                age: 1,
                hours: 1,
                wishes: vec![(0, None), (1, None)],
                wartezeit: 2,
                sibling: vec![0, 0],
            },
            SmallChild {
                age: 1,
                hours: 1,
                wishes: vec![(0, None), (1, None)],
                wartezeit: 1,
                sibling: vec![0, 0],
            },
        ],
    };
    let lot = vec![1, 2];
    let full = vec![2, 2];
    // child 1 (lower Wartezeit) at Kita 0, child 0 at Kita 1: child 0 has justified envy
    assert_eq!(blocking(&s, &vec![Some(1), Some(0)], &lot, &full), vec![0]);
    // waste: child 1 unmatched although Kita 1 is free
    assert_eq!(blocking(&s, &vec![Some(0), None], &lot, &full), vec![1]);
    assert!(blocking(&s, &vec![Some(0), Some(1)], &lot, &full).is_empty());
    assert!(!feasible(&s, &vec![Some(0), Some(0)]));
    let o = allocate(&s.market(), 7, &quick());
    assert_eq!(from_outcome(&o), vec![Some(0), Some(1)]);
    let e = &o.assignments[1].explanations[0];
    assert_eq!(e.reason, Reason::HigherPriority);
    assert_eq!(
        e.text,
        "Kita 0: der einzige Platz der Altersgruppe U3 (35 Std.) an ein Kind mit höherer Priorität vergeben; letzter Platz: Wartezeit 2; Ihr Kind: Wartezeit 1"
    );
}

/// Classic instance with two stable matchings: child- and Kita-proposing differ.
#[test]
fn child_and_kita_proposing_differ() {
    // Kita 0 prefers child 1 (sibling), Kita 1 prefers child 0 (sibling);
    // child 0 wants Kita 0 first, child 1 wants Kita 1 first.
    let s = Small {
        caps: [((0, 1, 1), 1), ((1, 1, 1), 1)].into(),
        rules: vec![vec![(0, true)], vec![(0, true)]],
        children: vec![
            SmallChild {
                age: 1,
                hours: 1,
                wishes: vec![(0, None), (1, None)],
                wartezeit: 0,
                sibling: vec![0, 1],
            },
            SmallChild {
                age: 1,
                hours: 1,
                wishes: vec![(1, None), (0, None)],
                wartezeit: 0,
                sibling: vec![1, 0],
            },
        ],
    };
    let o = allocate(&s.market(), 1, &quick());
    assert_eq!(from_outcome(&o), vec![Some(0), Some(0)]);
    let cmp = o.kita_proposing.unwrap();
    assert_eq!(cmp.different, 2);
    assert_eq!(cmp.better_with_child_proposing, 2);
    assert_eq!(cmp.by_wish, vec![0, 2]);
}

#[test]
fn rank_dependent_rule_is_rejected() {
    let mut input = Small {
        caps: [((0, 1, 1), 1)].into(),
        rules: vec![vec![(0, true)]],
        children: vec![],
    }
    .input();
    input.kitas[0].rules.push(RuleInput {
        criterion: "Erstwunsch".into(),
        order: None,
    });
    let errs = Market::from_input(&input).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("manipulierbar"), "{}", errs[0]);
}

#[test]
fn follow_up_gives_declined_place_to_next_child() {
    // one place, three children by Wartezeit: C0 > C1 > C2
    let s = Small {
        caps: [((0, 1, 1), 1)].into(),
        rules: vec![vec![(1, true)]],
        children: (0..3)
            .map(|i| SmallChild {
                age: 1,
                hours: 1,
                wishes: vec![(0, None)],
                wartezeit: 3 - i,
                sibling: vec![0],
            })
            .collect(),
    };
    let market = s.market();
    let r1 = allocate(&market, 5, &quick());
    assert_eq!(r1.assignments[0].status, Status::Offered);
    let responses: Responses = [("C0".to_string(), Response::Declined)].into();
    let r2 = follow_up_round(&market, &r1, &responses, &quick()).unwrap();
    assert_eq!(r2.assignments[0].status, Status::Withdrawn);
    assert_eq!(r2.assignments[1].status, Status::Offered);
    assert_eq!(r2.assignments[2].status, Status::Unassigned);
    let r3 = follow_up_round(&market, &r2, &Responses::new(), &quick()).unwrap();
    assert_eq!(r3.assignments[1].status, Status::Kept);
    assert_eq!(r3.assignments[2].explanations[0].reason, Reason::Guaranteed);
    // a response for a child without an offer is an error
    let bad: Responses = [("C2".to_string(), Response::Accepted)].into();
    assert!(follow_up_round(&market, &r3, &bad, &quick()).is_err());
    // a result of another market is rejected
    let other = generate(&GenerateParams {
        children: 3,
        kitas: 1,
        ..Default::default()
    });
    assert!(follow_up_round(&other, &r3, &Responses::new(), &quick()).is_err());
}

/// Wide criterion values (u128 keys, rank compression) give the same result as small ones:
/// only the order of values matters.
#[test]
fn wide_values_use_wider_keys_with_same_result() {
    let market = generate(&GenerateParams {
        children: 400,
        kitas: 12,
        seed: 3,
        ..GenerateParams::default()
    });
    let base = allocate(&market, 9, &Options::default());
    for (scale, offset, expect128) in [(1000i64, 0i64, true), (50_000_000, -1_000_000_000, false)] {
        let mut m = market.clone();
        for v in m.values.iter_mut() {
            *v = (i64::from(*v) * scale + offset) as i32;
        }
        for kv in m.kita_values.iter_mut() {
            kv.value = (i64::from(kv.value) * scale + offset) as i32;
        }
        // ×1000: 75 key bits → u128; ×5e7: > 128 bits → rank compression → fits u64 again
        let cm = CompiledMarket::new(&m, 9);
        assert_eq!(matches!(cm.keys, Keys::K128(_)), expect128);
        let o = allocate(&m, 9, &Options::default());
        let a: Vec<_> = base.assignments.iter().map(|a| (&a.kita, a.wish)).collect();
        let b: Vec<_> = o.assignments.iter().map(|a| (&a.kita, a.wish)).collect();
        assert_eq!(a, b, "scale {scale}");
        assert_eq!(o.stats.justified_envy, 0);
    }
    let small = CompiledMarket::new(&market, 9);
    assert!(matches!(small.keys, Keys::K64(_)));
}
