"""Text corpus: interview-style templates, domain templates over the term lists in training/data,
and sentences from fortunes-min (Debian). Produces normalised train/dev/test sentence lists.

Sentences are split by a stable hash, so test sentences are never synthesised for training.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

from .text import normalize

DATA = Path(__file__).resolve().parent.parent / "data"
FORTUNE_DIR = Path("/usr/share/games/fortunes")


def load_terms(name: str) -> dict[str, list[str]]:
    """Read data/terms_<name>.txt -> {section: [normalised terms]} plus 'all'."""
    out: dict[str, list[str]] = {"all": []}
    sec = "general"
    for line in (DATA / f"terms_{name}.txt").read_text().splitlines():
        line = line.strip()
        if line.startswith("##"):
            sec = line[2:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        t = normalize(line)
        out.setdefault(sec, []).append(t)
        out["all"].append(t)
    return out


NAMES = ["maria", "john", "aisha", "david", "chen", "fatima", "peter", "sarah", "ahmed", "emma",
         "lucas", "olivia", "james", "priya", "daniel", "grace", "michael", "hannah", "carlos", "anna",
         "robert", "linda", "kevin", "nadia", "tom", "rachel", "samuel", "julia", "omar", "lisa"]
PLACES = ["the city", "the village", "our neighborhood", "the north", "the old factory town",
          "london", "chicago", "manchester", "toronto", "the countryside", "the suburbs", "downtown",
          "the clinic", "the office", "the university", "school", "the hospital", "the community center"]
RELATIONS = ["my mother", "my father", "my sister", "my brother", "my daughter", "my son", "my wife",
             "my husband", "my neighbor", "my manager", "a colleague", "my grandmother", "a friend",
             "the teacher", "our doctor", "the landlord", "my partner", "my cousin"]
ACTIVITIES = ["working two jobs", "looking after the kids", "paying the rent", "finding a new job",
              "going back to school", "moving house", "dealing with the paperwork", "waiting for the bus",
              "cooking for everyone", "saving a little money", "learning to drive", "fixing the car",
              "talking to the bank", "applying for benefits", "writing the report", "planning the trip"]
FEELINGS = ["worried", "tired", "happy", "relieved", "frustrated", "proud", "nervous", "angry",
            "grateful", "confused", "hopeful", "exhausted", "lucky", "surprised", "stressed"]
TIMES = ["last year", "two years ago", "in the winter", "every morning", "at the weekend",
         "after the pandemic", "when i was young", "before the baby was born", "most days",
         "back then", "since march", "every other week", "at night", "during the summer",
         "a few months ago", "right now", "these days", "in the beginning"]
THINGS = ["the rent", "the bills", "the job", "the house", "the car", "the school", "the food",
          "the weather", "the money", "the family", "the neighbors", "the community", "the bus",
          "the project", "the meeting", "the interview", "the questions", "the schedule"]

INTERVIEW = [
    "so can you tell me a little bit about {thing}",
    "well i think {time} things were a lot harder",
    "i was {feeling} about {thing} {time}",
    "{rel} was {activity} {time}",
    "to be honest i don't really know what happened with {thing}",
    "we moved to {place} {time} and it was difficult at first",
    "i remember {rel} telling me not to worry about {thing}",
    "it's not easy when you're {activity} and nobody helps you",
    "what did you do when {thing} became a problem",
    "how did you feel about {activity}",
    "i guess i felt {feeling} most of the time",
    "yeah that's right {time} we didn't have much",
    "and then {rel} said we should go to {place}",
    "could you say a bit more about that",
    "i mean it was okay but {thing} was always on my mind",
    "my main worry was {thing} to be honest",
    "we spent about {num} hours a week {activity}",
    "there were {num} of us living in that house",
    "i started {activity} when i was {num}",
    "it cost us about {num} dollars a month",
    "i think it was in {year} that everything changed",
    "{name} and i used to meet at {place} {time}",
    "you know it's funny because {rel} always said that",
    "honestly i was just {feeling} and i didn't want to talk about it",
    "thank you for taking the time to talk to me today",
    "is it okay if i record this conversation",
    "let's start with your background if that's alright",
    "where did you grow up and what was it like",
    "do you remember the first time you went to {place}",
    "we didn't talk about {thing} very much at home",
    "people think it's simple but {activity} takes a lot of time",
    "i would say that {time} was the hardest part",
    "and what about {rel} how did they cope",
    "it depends on the day really some days are better than others",
    "sorry could you repeat the question",
    "i'm not sure i understand what you mean",
    "that's a really good question actually",
    "we ended up {activity} for almost {num} months",
    "the thing is nobody tells you how hard it is",
    "{name} told me that {thing} was going to get better",
    "i was working at {place} for about {num} years",
    "it was {feeling} and {feeling2} at the same time",
    "i just wanted {rel} to be okay",
    "if i could change one thing it would be {thing}",
    "we tried our best but {thing} kept getting worse",
    "okay so let's move on to the next question",
    "at the end of the day you just have to keep going",
    "i think most people in {place} feel the same way",
    "that was when i realized how important {thing} was",
    "we had to choose between {thing} and {thing2}",
]

DOMAIN = {
    "medicine": [
        "the patient was started on {drug} for {diagnosis}",
        "she has a history of {diagnosis} and takes {drug} twice a day",
        "we scheduled a {procedure} for next week",
        "the doctor recommended {procedure} after the results came back",
        "he was diagnosed with {diagnosis} {time}",
        "i stopped taking {drug} because of the side effects",
        "the dose of {drug} was increased to {num} milligrams",
        "after the {procedure} she stayed in hospital for {num} days",
        "{diagnosis} is one of the most common reasons people come to the clinic",
        "we checked the {general} before the {procedure}",
        "the nurse asked about allergies to {drug}",
        "treatment for {diagnosis} usually includes {drug}",
        "the {general} was normal but we ordered an {procedure}",
        "my mother has {diagnosis} so she sees the {general} every month",
        "patients with {diagnosis} need regular follow up",
        "the trial compared {drug} with {drug2} in {num} patients",
        "can you tell me how you felt after the {procedure}",
        "they switched me from {drug} to {drug2}",
        "the risk of {diagnosis} goes up with age",
        "we talked about {term} in the ward round this morning",
    ],
    "social_science": [
        "our study looks at {concept} in {place}",
        "we used {method} to understand how families cope",
        "{concept} has increased over the last {num} years",
        "the respondents talked a lot about {concept}",
        "in this paper we measure {concept} using {method}",
        "many households fall below the poverty line because of {concept}",
        "the interviews showed how {concept} shapes everyday life",
        "we recruited participants through {method}",
        "policy makers often ignore {concept}",
        "{concept} and {concept2} are closely connected",
        "the data come from a {method} of {num} households",
        "she explained how {concept} affected her children",
        "researchers disagree about how to measure {concept}",
        "the report links {concept} to poor health outcomes",
        "we followed up with a {method} {time}",
        "i think {term} is the key issue here",
        "the findings on {concept} were presented at the conference",
        "one of the themes that came up was {concept}",
    ],
    "software": [
        "we migrated the app to {tool} {time}",
        "in this talk i'm going to show you how {tool} works under the hood",
        "the keynote at {event} was about {concept}",
        "we use {tool} and {tool2} in production",
        "{concept} is something every ruby developer should know",
        "i gave a {event} about {concept} last year",
        "the {tool} upgrade broke our test suite",
        "let's talk about {concept} and why it matters",
        "we replaced {tool} with {tool2} to improve performance",
        "the first version was written with {tool}",
        "if you have questions about {tool} come find me after the talk",
        "we spent {num} weeks on {concept}",
        "{tool} makes {concept} much easier",
        "this slide shows the {concept} in our codebase",
        "there was a great {event} on {tool} this morning",
        "our team cares a lot about {concept}",
        "the problem with {concept} is that it hides complexity",
        "you can install it with {tool} in a few seconds",
        "so the {term} is where most of the time goes",
    ],
}


def _num(rng: random.Random) -> str:
    return str(rng.choice([2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 50, 100, 120, 250, 500,
                           rng.randint(2, 99), rng.randint(100, 999)]))


def _fill(tpl: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    def rep(m):
        key = m.group(1)
        base = key.rstrip("2")
        if base == "num":
            return _num(rng)
        if base == "year":
            return str(rng.randint(1960, 2025))
        return rng.choice(slots[base])
    return re.sub(r"\{(\w+)\}", rep, tpl)


def fortune_sentences() -> list[str]:
    out = []
    if not FORTUNE_DIR.exists():
        return out
    for f in sorted(FORTUNE_DIR.iterdir()):
        if f.suffix or not f.is_file():
            continue
        for block in f.read_text(errors="ignore").split("\n%\n"):
            block = "\n".join(l for l in block.splitlines() if not l.strip().startswith("--"))
            block = re.sub(r"\s+", " ", block)
            for sent in re.split(r"(?<=[.!?])\s+", block):
                if not sent.isascii() or re.search(r"[<>{}\[\]|\\#*~^]", sent):
                    continue
                n = normalize(sent)
                if 4 <= len(n.split()) <= 22:
                    out.append(n)
    return out


def split_of(sentence: str) -> str:
    h = int(hashlib.sha1(sentence.encode()).hexdigest()[:8], 16) % 100
    return "test" if h < 6 else "dev" if h < 9 else "train"


def build(out_dir: Path, n_interview: int = 12000, n_domain: int = 5000, seed: int = 1) -> dict:
    rng = random.Random(seed)
    slots = {"name": NAMES, "place": PLACES, "rel": RELATIONS, "activity": ACTIVITIES,
             "feeling": FEELINGS, "time": TIMES, "thing": THINGS}
    items: dict[str, str] = {}  # sentence -> source
    for _ in range(n_interview):
        s = normalize(_fill(rng.choice(INTERVIEW), slots, rng))
        items.setdefault(s, "interview")
    for dom, tpls in DOMAIN.items():
        terms = load_terms(dom)
        dslots = dict(slots)
        for k, v in terms.items():
            dslots[k] = v
        dslots["term"] = terms["all"]
        # every term appears in at least a few sentences
        for t in terms["all"]:
            for _ in range(3):
                tpl = rng.choice([x for x in tpls if "{term}" in x] + ["{term}"] if rng.random() < 0.3 else tpls)
                s = _fill(tpl.replace("{term}", t), dslots, rng) if "{term}" in tpl else _fill(tpl, dslots, rng)
                items.setdefault(normalize(s), dom)
        for _ in range(n_domain):
            items.setdefault(normalize(_fill(rng.choice(tpls), dslots, rng)), dom)
    for s in fortune_sentences():
        items.setdefault(s, "fortunes")
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [{"text": s, "source": src, "split": split_of(s)} for s, src in items.items() if s]
    rng.shuffle(rows)
    with open(out_dir / "corpus.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    stats: dict = {}
    for r in rows:
        stats.setdefault(r["split"], {}).setdefault(r["source"], 0)
        stats[r["split"]][r["source"]] += 1
    (out_dir / "corpus_stats.json").write_text(json.dumps(stats, indent=1))
    return stats


def read(out_dir: Path) -> list[dict]:
    return [json.loads(l) for l in open(out_dir / "corpus.jsonl")]
