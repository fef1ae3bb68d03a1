//! The matching core: priority keys, lottery, child- and Kita-proposing deferred acceptance.
//!
//! Everything here works on flat arrays indexed by child, wish entry and bucket
//! (bucket = Kita × age group × hours, see [`crate::model::bucket_index`]).

use crate::model::*;

/// Sentinel for "no entry / unmatched".
pub const NONE: u32 = u32::MAX;

// ---------------------------------------------------------------------------
// Deterministic randomness
// ---------------------------------------------------------------------------

/// SplitMix64 (Steele, Lea, Flood 2014). Fully specified, identical on every platform.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.state)
    }

    /// Uniform integer in `0..n` (multiply-shift, bias < n / 2^64).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform float in `[0, 1)` with 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// SplitMix64 finalizer.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a 64 over bytes.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Lottery numbers: `lottery[c]` in `0..n`, a permutation (0 = best).
///
/// Algorithm: draw `mix64(seed ^ fnv1a(child id))` per child, sort children by
/// (draw, id), number them 0.. in that order. Depends only on the seed and the ids,
/// not on the order of the input rows.
pub fn lottery(market: &Market, seed: u64) -> Vec<u32> {
    let n = market.children.len();
    let mut draws: Vec<(u64, u32)> = market
        .children
        .iter()
        .enumerate()
        .map(|(i, c)| (mix64(seed ^ fnv1a(c.id.as_bytes())), i as u32))
        .collect();
    if n > 4096 {
        radix_sort(&mut draws);
    } else {
        draws.sort_by_key(|x| x.0);
    }
    // equal draws (practically never): order by id
    let mut i = 0;
    while i < draws.len() {
        let mut j = i + 1;
        while j < draws.len() && draws[j].0 == draws[i].0 {
            j += 1;
        }
        if j - i > 1 {
            draws[i..j].sort_unstable_by(|a, b| {
                market.children[a.1 as usize]
                    .id
                    .cmp(&market.children[b.1 as usize].id)
            });
        }
        i = j;
    }
    let mut lot = vec![0u32; n];
    for (rank, &(_, c)) in draws.iter().enumerate() {
        lot[c as usize] = rank as u32;
    }
    lot
}

/// LSD radix sort by the `u64` (4 passes of 16 bits; stable).
fn radix_sort(v: &mut Vec<(u64, u32)>) {
    let mut tmp = vec![(0u64, 0u32); v.len()];
    let mut count = vec![0usize; 1 << 16];
    for shift in [0u32, 16, 32, 48] {
        count.iter_mut().for_each(|c| *c = 0);
        for x in v.iter() {
            count[((x.0 >> shift) & 0xFFFF) as usize] += 1;
        }
        let mut sum = 0;
        for c in count.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for x in v.iter() {
            let d = ((x.0 >> shift) & 0xFFFF) as usize;
            tmp[count[d]] = *x;
            count[d] += 1;
        }
        std::mem::swap(v, &mut tmp);
    }
}

// ---------------------------------------------------------------------------
// Priority keys
// ---------------------------------------------------------------------------

fn bits_for(range: u64) -> u32 {
    64 - range.leading_zeros()
}

/// Per-criterion value ranges used to pack keys.
#[derive(Clone, Debug)]
pub(crate) struct KeyLayout {
    pub min: Vec<i64>,
    pub max: Vec<i64>,
    pub bits: Vec<u32>,
    /// Rank compression (sorted distinct values) per criterion, used only when raw ranges
    /// would not fit into 128 bits.
    pub ranks: Vec<Option<Vec<i32>>>,
    pub lot_bits: u32,
    /// Max bits of the criteria part over all Kitas.
    pub crit_bits_max: u32,
}

impl KeyLayout {
    pub(crate) fn new(market: &Market) -> KeyLayout {
        let nc = market.criteria.len();
        let mut min = vec![0i64; nc];
        let mut max = vec![0i64; nc];
        if nc > 0 {
            for row in market.values.chunks_exact(nc) {
                for j in 0..nc {
                    let v = i64::from(row[j]);
                    min[j] = min[j].min(v);
                    max[j] = max[j].max(v);
                }
            }
        }
        for kv in &market.kita_values {
            let j = kv.criterion as usize;
            min[j] = min[j].min(i64::from(kv.value));
            max[j] = max[j].max(i64::from(kv.value));
        }
        let mut bits: Vec<u32> = (0..nc)
            .map(|j| bits_for((max[j] - min[j]) as u64))
            .collect();
        let n = market.children.len().max(1) as u64;
        let lot_bits = bits_for(n - 1).max(1);
        let width = |bits: &[u32]| -> u32 {
            market
                .kitas
                .iter()
                .map(|k| k.rules.iter().map(|r| bits[r.criterion as usize]).sum())
                .max()
                .unwrap_or(0)
        };
        let mut crit_bits_max = width(&bits);
        let mut ranks = vec![None; nc];
        if crit_bits_max + lot_bits + 1 > 128 {
            // rank-compress every criterion: value -> position among its distinct values
            for (j, slot) in ranks.iter_mut().enumerate() {
                let mut d: Vec<i32> = market.values.iter().skip(j).step_by(nc).copied().collect();
                d.extend(
                    market
                        .kita_values
                        .iter()
                        .filter(|kv| kv.criterion as usize == j)
                        .map(|kv| kv.value),
                );
                d.push(0);
                d.sort_unstable();
                d.dedup();
                bits[j] = bits_for(d.len() as u64 - 1);
                *slot = Some(d);
            }
            crit_bits_max = width(&bits);
        }
        KeyLayout {
            min,
            max,
            bits,
            ranks,
            lot_bits,
            crit_bits_max,
        }
    }

    /// Total key width incl. the "not boosted" flag bit.
    pub(crate) fn total_bits(&self) -> u32 {
        self.crit_bits_max + self.lot_bits + 1
    }
}

/// Criterion value of child `c` at Kita `k` (per-Kita override, else global value).
#[inline]
pub(crate) fn value_of(market: &Market, kv_start: &[u32], c: usize, k: u32, crit: u16) -> i32 {
    let kvs = &market.kita_values[kv_start[c] as usize..kv_start[c + 1] as usize];
    for kv in kvs {
        if kv.kita == k && kv.criterion == crit {
            return kv.value;
        }
    }
    market.values[c * market.criteria.len() + crit as usize]
}

/// Start offsets of each child's per-Kita values in `market.kita_values`.
pub(crate) fn kita_value_starts(market: &Market) -> Vec<u32> {
    let n = market.children.len();
    let mut start = vec![0u32; n + 1];
    for kv in &market.kita_values {
        start[kv.child as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    start
}

/// A priority key type: smaller = higher priority.
pub trait Key: Copy + Ord + Default + std::fmt::Debug + Send + Sync + 'static {
    fn from_u64(v: u64) -> Self;
    /// `(self << bits) | v`
    fn shl_or(self, bits: u32, v: u64) -> Self;
}

impl Key for u64 {
    #[inline]
    fn from_u64(v: u64) -> Self {
        v
    }
    #[inline]
    fn shl_or(self, bits: u32, v: u64) -> Self {
        // bits < 64: the layout guarantees the whole key fits
        (self << bits) | v
    }
}

impl Key for u128 {
    #[inline]
    fn from_u64(v: u64) -> Self {
        u128::from(v)
    }
    #[inline]
    fn shl_or(self, bits: u32, v: u64) -> Self {
        (self << bits) | u128::from(v)
    }
}

/// Priority keys per wish entry; `u64` when they fit, else `u128`.
#[derive(Clone, Debug)]
pub enum Keys {
    K64(Vec<u64>),
    K128(Vec<u128>),
}

/// A market compiled to flat arrays for one seed: the input of the matching algorithms.
///
/// Wish entry `e` (index into [`Market::wishes`]) targets `bucket[e]` with priority `key`.
/// Keys pack, from the most significant bit: a "not guaranteed" flag (0 only for children
/// who accepted a place in an earlier round, at that place), the Kita's criteria in rule
/// order (each mapped so that smaller = better), and the lottery number.
#[derive(Clone, Debug)]
pub struct CompiledMarket {
    pub seed: u64,
    pub children: usize,
    pub buckets: usize,
    /// Places per bucket.
    pub capacity: Vec<u32>,
    /// Entry range of child `c`: `start[c] .. end[c]` (end may be truncated in follow-up rounds).
    pub start: Vec<u32>,
    pub end: Vec<u32>,
    pub bucket: Vec<u32>,
    pub keys: Keys,
    pub lottery: Vec<u32>,
    pub(crate) layout: KeyLayout,
}

impl CompiledMarket {
    /// Compiles `market` for `seed` (computes lottery numbers and every priority key).
    pub fn new(market: &Market, seed: u64) -> CompiledMarket {
        let n = market.children.len();
        let lottery = lottery(market, seed);
        let layout = KeyLayout::new(market);
        let capacity: Vec<u32> = market
            .kitas
            .iter()
            .flat_map(|k| k.capacity.iter().flatten().copied())
            .collect();
        let mut start = Vec::with_capacity(n);
        let mut end = Vec::with_capacity(n);
        let mut bucket = Vec::with_capacity(market.wishes.len());
        for (c, ch) in market.children.iter().enumerate() {
            start.push(ch.wish_start);
            end.push(ch.wish_start + ch.wish_len);
            for w in market.wishes_of(c) {
                bucket.push(market.wish_bucket(c, w) as u32);
            }
        }
        let keys = if layout.total_bits() <= 64 {
            Keys::K64(compute_keys::<u64>(market, &layout, &lottery))
        } else {
            // validation guarantees <= 128 bits (after rank compression)
            Keys::K128(compute_keys::<u128>(market, &layout, &lottery))
        };
        CompiledMarket {
            seed,
            children: n,
            buckets: market.bucket_count(),
            capacity,
            start,
            end,
            bucket,
            keys,
            lottery,
            layout,
        }
    }

    /// Marks child `c` as holding a guaranteed place at wish entry `e` (accepted in an earlier
    /// round): the list is cut after `e` and the child outranks everybody without a guarantee there.
    pub fn guarantee(&mut self, c: usize, e: u32) {
        self.end[c] = e + 1;
        let flag_shift = self.layout.crit_bits_max + self.layout.lot_bits;
        match &mut self.keys {
            Keys::K64(k) => k[e as usize] &= !(1u64 << flag_shift),
            Keys::K128(k) => k[e as usize] &= !(1u128 << flag_shift),
        }
    }

    /// Number of wish entries.
    pub fn entries(&self) -> usize {
        self.bucket.len()
    }

    /// The performance floor: reads every preference entry (bucket and key) once.
    pub fn read_all_preferences(&self) -> u64 {
        match &self.keys {
            Keys::K64(k) => floor(&self.bucket, k),
            Keys::K128(k) => floor(&self.bucket, k),
        }
    }

    /// Child-proposing deferred acceptance (child-optimal stable matching).
    pub fn child_proposing(&self) -> Matching {
        match &self.keys {
            Keys::K64(k) => child_proposing(self, k),
            Keys::K128(k) => child_proposing(self, k),
        }
    }

    /// Kita-proposing deferred acceptance (Kita-optimal stable matching; KitaMatch style).
    pub fn kita_proposing(&self) -> Matching {
        match &self.keys {
            Keys::K64(k) => kita_proposing(self, k),
            Keys::K128(k) => kita_proposing(self, k),
        }
    }

    /// Compares the keys of two entries that target the same bucket: `true` if `a` has higher priority.
    pub fn outranks(&self, a: u32, b: u32) -> bool {
        match &self.keys {
            Keys::K64(k) => k[a as usize] < k[b as usize],
            Keys::K128(k) => k[a as usize] < k[b as usize],
        }
    }

    /// `true` if entry `e` carries a guarantee from an earlier round.
    pub fn is_guaranteed(&self, e: u32) -> bool {
        let flag_shift = self.layout.crit_bits_max + self.layout.lot_bits;
        match &self.keys {
            Keys::K64(k) => (k[e as usize] >> flag_shift) & 1 == 0,
            Keys::K128(k) => (k[e as usize] >> flag_shift) & 1 == 0,
        }
    }

    /// Criteria part of the key of entry `e` (equal ⇔ same priority before the lottery).
    pub fn criteria_part(&self, e: u32) -> u128 {
        let shift = self.layout.lot_bits;
        match &self.keys {
            Keys::K64(k) => u128::from(k[e as usize] >> shift),
            Keys::K128(k) => k[e as usize] >> shift,
        }
    }
}

fn floor<K: Key>(bucket: &[u32], keys: &[K]) -> u64 {
    let mut acc = 0u64;
    let mut best = K::default();
    for (b, k) in bucket.iter().zip(keys) {
        acc = acc.wrapping_add(u64::from(*b));
        best = best.max(*k);
    }
    std::hint::black_box(best);
    acc
}

#[derive(Clone, Copy)]
struct FlatRule {
    criterion: u16,
    desc: bool,
    bits: u8,
    /// `max` for descending, `min` for ascending criteria
    base: i64,
}

fn compute_keys<K: Key>(market: &Market, layout: &KeyLayout, lottery: &[u32]) -> Vec<K> {
    let kv_start = kita_value_starts(market);
    let nc = market.criteria.len();
    // Kitas usually share their rule lists (e.g. the municipality's statutes): intern them so
    // the rule table stays in L1 cache. Each rule set: [start, end, padding bits].
    let mut set_of_kita = Vec::with_capacity(market.kitas.len());
    let mut sets: Vec<[u32; 3]> = Vec::new();
    let mut rules: Vec<FlatRule> = Vec::new();
    let mut interned: std::collections::HashMap<&[Rule], u32> = std::collections::HashMap::new();
    for k in &market.kitas {
        let id = *interned.entry(&k.rules[..]).or_insert_with(|| {
            let start = rules.len() as u32;
            let mut used = 0;
            for r in &k.rules {
                let j = r.criterion as usize;
                used += layout.bits[j];
                rules.push(FlatRule {
                    criterion: r.criterion,
                    desc: r.order == Order::Desc,
                    bits: layout.bits[j] as u8,
                    base: if r.order == Order::Desc {
                        layout.max[j]
                    } else {
                        layout.min[j]
                    },
                });
            }
            sets.push([start, rules.len() as u32, layout.crit_bits_max - used]);
            sets.len() as u32 - 1
        });
        set_of_kita.push(id);
    }
    let ranked = layout.ranks.iter().any(Option::is_some);
    let mut keys = Vec::with_capacity(market.wishes.len());
    for (c, ch) in market.children.iter().enumerate() {
        let has_kv = kv_start[c] != kv_start[c + 1];
        let row = &market.values[c * nc..(c + 1) * nc];
        let lot = u64::from(lottery[c]);
        for w in &market.wishes[ch.wish_start as usize..(ch.wish_start + ch.wish_len) as usize] {
            let [rs, re, pad] = sets[set_of_kita[w.kita as usize] as usize];
            let mut key = K::from_u64(1);
            for r in &rules[rs as usize..re as usize] {
                let v = if has_kv {
                    value_of(market, &kv_start, c, w.kita, r.criterion)
                } else {
                    row[r.criterion as usize]
                };
                let enc = if ranked {
                    let d = layout.ranks[r.criterion as usize]
                        .as_deref()
                        .unwrap_or(&[0]);
                    let rank = d.binary_search(&v).unwrap_or(0) as u64;
                    if r.desc {
                        d.len() as u64 - 1 - rank
                    } else {
                        rank
                    }
                } else if r.desc {
                    (r.base - i64::from(v)) as u64
                } else {
                    (i64::from(v) - r.base) as u64
                };
                key = key.shl_or(u32::from(r.bits), enc);
            }
            // pad Kitas with fewer criterion bits so the flag sits at the same position
            key = key.shl_or(pad, 0);
            keys.push(key.shl_or(layout.lot_bits, lot));
        }
    }
    keys
}

// ---------------------------------------------------------------------------
// Matchings
// ---------------------------------------------------------------------------

/// Result of a matching run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matching {
    /// Per child the matched wish entry (index into `Market::wishes`) or [`NONE`].
    pub entry: Vec<u32>,
    /// Per bucket the number of admitted children.
    pub admitted: Vec<u32>,
    /// Per bucket the admitted entry with the lowest priority ("last place") or [`NONE`].
    pub last: Vec<u32>,
}

/// Child-proposing deferred acceptance with one bounded max-heap per bucket.
///
/// All heaps live in one flat array (`heap_start` = prefix sums of capacities), so the
/// hot loop allocates nothing. Each entry is considered at most once: O(E log cap).
fn child_proposing<K: Key>(cm: &CompiledMarket, keys: &[K]) -> Matching {
    let nb = cm.buckets;
    // per bucket [heap start, capacity, held] in one array: one cache line per proposal
    let mut bs: Vec<[u32; 3]> = Vec::with_capacity(nb);
    let mut total = 0usize;
    for &c in &cm.capacity {
        bs.push([total as u32, c, 0]);
        total += c as usize;
    }
    // heap element: (key, child); a held child's entry is next[child] - 1
    let mut heap: Vec<(K, u32)> = vec![(K::default(), 0); total];
    let mut next: Vec<u32> = cm.start.clone();
    let bucket = &cm.bucket[..];

    for c0 in 0..cm.children {
        let mut c = c0;
        'propose: loop {
            let end = cm.end[c];
            let mut e = next[c];
            while e < end {
                let b = bucket[e as usize] as usize;
                let k = keys[e as usize];
                e += 1;
                let [hs, cb, l] = bs[b];
                if cb == 0 {
                    continue;
                }
                let h = &mut heap[hs as usize..(hs + cb) as usize];
                if l < cb {
                    sift_up(h, l as usize, (k, c as u32));
                    bs[b][2] = l + 1;
                    next[c] = e;
                    break 'propose;
                }
                if k < h[0].0 {
                    let displaced = h[0].1;
                    sift_down(h, (k, c as u32));
                    next[c] = e;
                    c = displaced as usize;
                    continue 'propose;
                }
            }
            next[c] = e;
            break;
        }
    }
    let mut entry = vec![NONE; cm.children];
    let mut last = vec![NONE; nb];
    let mut admitted = vec![0u32; nb];
    for (b, &[hs, _, l]) in bs.iter().enumerate() {
        admitted[b] = l;
        if l == 0 {
            continue;
        }
        let hs = hs as usize;
        for &(_, c) in &heap[hs..hs + l as usize] {
            entry[c as usize] = next[c as usize] - 1;
        }
        // heap root = lowest priority held
        last[b] = next[heap[hs].1 as usize] - 1;
    }
    Matching {
        entry,
        admitted,
        last,
    }
}

#[inline]
fn sift_up<K: Key>(h: &mut [(K, u32)], mut i: usize, item: (K, u32)) {
    while i > 0 {
        let p = (i - 1) / 2;
        if h[p].0 >= item.0 {
            break;
        }
        h[i] = h[p];
        i = p;
    }
    h[i] = item;
}

#[inline]
fn sift_down<K: Key>(h: &mut [(K, u32)], item: (K, u32)) {
    let n = h.len();
    let mut i = 0;
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let m = if r < n && h[r].0 > h[l].0 { r } else { l };
        if h[m].0 <= item.0 {
            break;
        }
        h[i] = h[m];
        i = m;
    }
    h[i] = item;
}

/// Kita-proposing deferred acceptance: every bucket offers its places to applicants in
/// priority order; a child keeps the best offer so far (by its own ranking).
fn kita_proposing<K: Key>(cm: &CompiledMarket, keys: &[K]) -> Matching {
    let nb = cm.buckets;
    // applicants per bucket, sorted by key
    let mut astart = vec![0u32; nb + 1];
    for c in 0..cm.children {
        for e in cm.start[c]..cm.end[c] {
            astart[cm.bucket[e as usize] as usize + 1] += 1;
        }
    }
    for b in 0..nb {
        astart[b + 1] += astart[b];
    }
    let mut fill = astart.clone();
    let mut apps: Vec<(K, u32)> = vec![(K::default(), 0); astart[nb] as usize];
    for c in 0..cm.children {
        for e in cm.start[c]..cm.end[c] {
            let b = cm.bucket[e as usize] as usize;
            apps[fill[b] as usize] = (keys[e as usize], e);
            fill[b] += 1;
        }
    }
    for b in 0..nb {
        apps[astart[b] as usize..astart[b + 1] as usize].sort_unstable();
    }
    let child_of: Vec<u32> = {
        let mut v = vec![0u32; cm.bucket.len()];
        for c in 0..cm.children {
            for e in cm.start[c]..cm.end[c] {
                v[e as usize] = c as u32;
            }
        }
        v
    };
    let mut held = vec![NONE; cm.children]; // held entry per child (smaller entry = better wish)
    let mut admitted = vec![0u32; nb];
    let mut ptr: Vec<u32> = astart[..nb].to_vec();
    let mut queue: Vec<u32> = (0..nb as u32).rev().collect();
    let mut queued = vec![true; nb];
    while let Some(b) = queue.pop() {
        let b = b as usize;
        queued[b] = false;
        while admitted[b] < cm.capacity[b] && ptr[b] < astart[b + 1] {
            let e = apps[ptr[b] as usize].1;
            ptr[b] += 1;
            let c = child_of[e as usize] as usize;
            let h = held[c];
            if h == NONE || e < h {
                if h != NONE {
                    let b2 = cm.bucket[h as usize] as usize;
                    admitted[b2] -= 1;
                    if !queued[b2] {
                        queued[b2] = true;
                        queue.push(b2 as u32);
                    }
                }
                held[c] = e;
                admitted[b] += 1;
            }
        }
    }
    let mut last = vec![NONE; nb];
    for &e in &held {
        if e != NONE {
            let b = cm.bucket[e as usize] as usize;
            if last[b] == NONE || keys[e as usize] > keys[last[b] as usize] {
                last[b] = e;
            }
        }
    }
    Matching {
        entry: held,
        admitted,
        last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_reference_values() {
        // Reference output of SplitMix64 seeded with 1234567 (from the original C code).
        let mut r = SplitMix64::new(1234567);
        assert_eq!(r.next_u64(), 6457827717110365317);
        assert_eq!(r.next_u64(), 3203168211198807973);
        assert_eq!(r.next_u64(), 9817491932198370423);
    }

    #[test]
    fn radix_sort_matches_std_sort() {
        let mut r = SplitMix64::new(5);
        let mut v: Vec<(u64, u32)> = (0..5000).map(|i| (r.next_u64() >> (i % 50), i)).collect();
        v.push((7, 9999));
        v.push((7, 9998));
        let mut w = v.clone();
        w.sort_by_key(|x| x.0); // stable, like LSD radix
        radix_sort(&mut v);
        assert_eq!(v, w);
    }

    #[test]
    fn heap_keeps_worst_on_top() {
        let mut h = vec![(0u64, 0u32); 4];
        for (i, k) in [5u64, 9, 1, 7].into_iter().enumerate() {
            sift_up(&mut h, i, (k, i as u32));
        }
        assert_eq!(h[0].0, 9);
        sift_down(&mut h, (3, 9));
        assert_eq!(h[0].0, 7);
    }
}
