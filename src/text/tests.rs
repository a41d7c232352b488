//! Unit tests of [`super`] (text).

use super::*;

#[test]
fn gallop_finds_the_first_target_at_or_after_a_document() {
    let targets: Vec<(u32, DocId, u32)> = [2, 3, 5, 8, 13, 21, 34, 55]
        .iter()
        .map(|&d| (0, d, d))
        .collect();
    for i in 0..=targets.len() {
        for d in 0..60 {
            let want = i + targets[i..].iter().take_while(|t| t.1 < d).count();
            assert_eq!(gallop(&targets, i, d), want, "from {i} to {d}");
        }
    }
}

#[test]
fn scores_for_rows_equal_the_full_scores_across_segments_and_deletes() {
    let t = TextIndex::create(None).unwrap();
    let texts = [
        "Saldatore TIG esperto",
        "Cameriera di sala",
        "Saldatrice a elettrodo e TIG",
        "Magazziniere con patentino muletto",
        "Saldatore MIG",
    ];
    let mut w = t.writer().unwrap();
    for (i, x) in texts.iter().enumerate().take(3) {
        w.add(i as u32, x).unwrap();
    }
    w.commit("1").unwrap();
    // A second segment, and row 0 replaced (its old document deleted).
    let mut w = t.writer().unwrap();
    for (i, x) in texts.iter().enumerate().skip(3) {
        w.add(i as u32, x).unwrap();
    }
    w.delete(0);
    w.add(0, "Saldatore TIG e MIG, saldature certificate")
        .unwrap();
    w.commit("2").unwrap();
    t.reload().unwrap();
    let q = "saldatore TIG MIG";
    let all = t.scores(q).unwrap();
    assert_eq!(all.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 2, 4]);
    assert_eq!(t.scores_for(q, &[4, 0, 1, 2, 3]).unwrap(), all);
    assert_eq!(t.scores_for(q, &[2]).unwrap(), vec![all[1]]);
    assert!(t.scores_for(q, &[1, 3, 99]).unwrap().is_empty());
    // Every term scored for every row and kept (the deleted document of
    // row 0 skipped): the same scores, to the bit, twice (the second from
    // the kept columns).
    t.set_dense_min_docs(1);
    for _ in 0..2 {
        assert_eq!(t.scores_for(q, &[4, 0, 1, 2, 3]).unwrap(), all);
        assert_eq!(t.scores_for(q, &[0, 1, 2, 3]).unwrap(), all[..2].to_vec());
    }
    assert!(!t.dense.lock().unwrap().columns.is_empty());
}

#[test]
fn a_large_pool_scored_term_by_term_in_parallel_equals_the_full_scores() {
    let words = [
        "saldatore",
        "tig",
        "mig",
        "magazziniere",
        "muletto",
        "cameriere",
        "sala",
        "cuoco",
        "turni",
        "esperienza",
        "patente",
        "autista",
        "carrello",
        "pulizie",
    ];
    let t = TextIndex::create(None).unwrap();
    let rows = (PARALLEL_TARGETS + 1500) as u32;
    for (from, to) in [(0, rows / 2), (rows / 2, rows)] {
        let mut w = t.writer().unwrap();
        for r in from..to {
            // A text of 2..9 words picked by the row number.
            let n = 2 + (r as usize * 7) % 8;
            let text: Vec<&str> = (0..n)
                .map(|k| words[(r as usize * 31 + k * 17 + k * k) % words.len()])
                .collect();
            w.add(r, &text.join(" ")).unwrap();
        }
        w.commit(&to.to_string()).unwrap();
    }
    t.reload().unwrap();
    let q = "Cercasi saldatore TIG e MIG con esperienza, turni, patente e muletto";
    let all = t.scores(q).unwrap();
    assert!(all.len() > PARALLEL_TARGETS, "{} rows match", all.len());
    let every: Vec<u32> = (0..rows).rev().collect();
    // Bit for bit: the same additions in the same order.
    assert_eq!(t.scores_for(q, &every).unwrap(), all);
}

#[test]
fn the_best_of_a_wide_pool_is_the_best_of_its_scores_across_segments_and_deletes() {
    // Common words in most texts, rare ones (a row in 300 or fewer) in a few:
    // the common terms' bound exceeds the best rare sums at first, so the
    // rare set has to grow.
    let common = [
        "esperienza",
        "lavoro",
        "turni",
        "patente",
        "squadra",
        "magazzino",
    ];
    let rare = ["saldatore", "tig", "muletto", "cuoco", "autista", "pulizie"];
    let t = TextIndex::create(None).unwrap();
    let rows = 6000u32;
    for (from, to) in [(0, rows / 2), (rows / 2, rows)] {
        let mut w = t.writer().unwrap();
        for r in from..to {
            let mut text: Vec<&str> = (0..1 + r as usize % 5)
                .map(|k| common[(r as usize * 7 + k * 5) % common.len()])
                .collect();
            if r % 23 == 0 {
                text.push(rare[(r as usize / 23) % rare.len()]);
            }
            w.add(r, &text.join(" ")).unwrap();
        }
        w.commit(&to.to_string()).unwrap();
    }
    // Rows replaced: their old documents deleted, their new texts longer.
    let mut w = t.writer().unwrap();
    for r in (0..rows).step_by(97) {
        w.delete(r);
        w.add(r, "saldatore tig tig esperienza lavoro").unwrap();
    }
    w.commit("3").unwrap();
    t.reload().unwrap();
    let texts = [
        "Saldatore TIG con esperienza di lavoro in squadra, turni e patente",
        "Magazzino: lavoro a turni, patente, esperienza",
        "Cuoco e autista",
        "Nessuna parola nota",
    ];
    for q in texts {
        for (step, offset) in [(1, 0), (2, 1), (3, 0), (29, 5)] {
            let pool: Vec<u32> = (offset..rows).step_by(step).collect();
            let want = t
                .scores_for(q, &pool)
                .unwrap()
                .iter()
                .map(|&(_, s)| s)
                .fold(0.0, f32::max);
            assert_eq!(
                t.max_among(q, &pool).unwrap(),
                want,
                "{q:?}, every {step}th row"
            );
        }
    }
    assert_eq!(t.max_among("Nessuna parola nota", &[1, 2, 3]).unwrap(), 0.0);
}

#[test]
fn stems_italian_and_scores_only_matching_rows() {
    let t = TextIndex::create(None).unwrap();
    let mut w = t.writer().unwrap();
    w.add(0, "Saldatore con esperienza in saldature TIG e MIG")
        .unwrap();
    w.add(1, "Cameriera di sala, servizio ai tavoli").unwrap();
    w.add(2, "Saldatrice, saldatura a elettrodo").unwrap();
    w.commit("1").unwrap();
    t.reload().unwrap();
    let s = t.scores("Cerchiamo saldatori TIG").unwrap();
    let rows: Vec<u32> = s.iter().map(|(r, _)| *r).collect();
    assert_eq!(rows, vec![0], "{s:?}");
    let s = t.scores("saldatura").unwrap();
    assert!(s.iter().any(|(r, _)| *r == 2), "{s:?}");
    assert!(!s.iter().any(|(r, _)| *r == 1));
    assert_eq!(t.payload().as_deref(), Some("1"));
}

#[test]
fn deleted_rows_no_longer_match() {
    let t = TextIndex::create(None).unwrap();
    let mut w = t.writer().unwrap();
    w.add(0, "magazziniere carrellista").unwrap();
    w.add(1, "magazziniere").unwrap();
    w.commit("1").unwrap();
    let mut w = t.writer().unwrap();
    w.delete(0);
    w.commit("2").unwrap();
    t.reload().unwrap();
    let rows: Vec<u32> = t
        .scores("magazziniere")
        .unwrap()
        .iter()
        .map(|(r, _)| *r)
        .collect();
    assert_eq!(rows, vec![1]);
}
