import math

from verbatim_train.lm import Arpa, WittenBell, build_and_write

SENTS = ["the patient was started on metformin", "the patient was discharged",
         "we talked about the patient", "the doctor was late", "i was late again"]


def test_arpa_roundtrip(tmp_path):
    info = build_and_write(SENTS, tmp_path, order=3)
    txt = (tmp_path / "lm.arpa").read_text()
    assert txt.lstrip().startswith("\\data\\") and txt.rstrip().endswith("\\end\\")
    a = Arpa(tmp_path / "lm.arpa")
    n = {k: sum(1 for g in a.p if len(g) == k) for k in (1, 2, 3)}
    assert n[1] == info["1-grams"] and n[2] == info["2-grams"] and n[3] == info["3-grams"]
    assert a.order == 3
    lm = WittenBell(SENTS, 3)
    # ARPA backoff scoring reproduces the interpolated model, for seen and unseen n-grams
    for g in [("the", "patient", "was"), ("patient", "was", "late"), ("i", "was", "discharged"),
              ("zzz", "patient"), ("the", "doctor")]:
        gg = tuple(w if w in lm.vocab else "<unk>" for w in g)
        assert abs(a.logp(g) - math.log10(lm.prob(gg))) < 1e-4, g


def test_distribution_sums_to_one(tmp_path):
    build_and_write(SENTS, tmp_path, order=3)
    a = Arpa(tmp_path / "lm.arpa")
    words = [g[0] for g in a.p if len(g) == 1 and g[0] != "<s>"]
    for ctx in [("<s>", "the"), ("the", "patient"), ("was", "late"), ("nope", "never")]:
        total = sum(10 ** a.logp(ctx + (w,)) for w in words)
        assert abs(total - 1.0) < 1e-3, (ctx, total)


def test_pruning_keeps_budget(tmp_path):
    sents = [f"sentence number {i} about topic {i % 7} and more {i % 13}" for i in range(300)]
    info = build_and_write(sents, tmp_path, order=3, max_bytes=12_000)
    assert info["min_count_top"] > 1
    assert (tmp_path / "lm.arpa").stat().st_size <= 12_000 or info["min_count_top"] > 50
