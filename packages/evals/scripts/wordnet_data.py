#!/usr/bin/env python3
"""Build src/metrics/data/wordnet-3.0.txt.gz: the slice of WordNet 3.0 that NLTK's METEOR synonym stage reads.

Run on a dev machine only (never in CI):
  apt-get install -y python3-nltk wordnet-base
  /usr/bin/python3 packages/evals/scripts/wordnet_data.py [/path/to/wordnet-3.0-dict]

The dictionary is read through NLTK's own WordNetCorpusReader so names are parsed exactly as
`nltk.corpus.wordnet` parses them (adjective markers stripped, etc.). Debian's wordnet-base lacks the
`lexnames` file NLTK needs, so a temporary directory with symlinks plus a generated lexnames is used.

Output format (UTF-8 text, gzip), sections introduced by a line starting with '@':
  @s            one line per kept synset: its lemma names usable by METEOR, space separated
                (NLTK drops names containing '_'; names with upper-case letters are dropped too since
                METEOR compares them against lower-cased tokens, so they can never match)
  @i <pos>      one line per lemma in index.<pos>: "lemma id id ..." (ids: base-36 line numbers in @s;
                a lemma whose synsets have no usable names is still listed: morphy's lookup needs it)
  @x <pos>      morphy exception list: "inflected base base ..."
"""

import gzip
import os
import sys
import tempfile

from nltk.corpus.reader.wordnet import WordNetCorpusReader

LEXNAMES = """adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body
noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive
noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation
noun.shape noun.state noun.substance noun.time verb.body verb.change verb.cognition verb.communication
verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion verb.perception
verb.possession verb.social verb.stative verb.weather adj.ppl""".split()
POS_NUM = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}


def open_reader(src: str) -> WordNetCorpusReader:
    tmp = tempfile.mkdtemp(prefix="wn30-")
    for name in os.listdir(src):
        if name.startswith(("index.", "data.")) or name.endswith(".exc"):
            os.symlink(os.path.join(src, name), os.path.join(tmp, name))
    with open(os.path.join(tmp, "lexnames"), "w") as f:
        for i, name in enumerate(LEXNAMES):
            f.write(f"{i:02d}\t{name}\t{POS_NUM[name.split('.')[0]]}\n")
    return WordNetCorpusReader(tmp, None)


def main() -> None:
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "src", "metrics", "data", "wordnet-3.0.txt.gz")
    wn = open_reader(src)
    assert wn.get_version() == "3.0", wn.get_version()

    synset_ids: dict[tuple[str, int], int] = {}
    synset_lines: list[str] = []

    def synset_id(pos: str, offset: int) -> int | None:
        key = (pos, offset)
        if key not in synset_ids:
            names = []
            for lemma in wn.synset_from_pos_and_offset(pos, offset).lemmas():
                n = lemma.name()
                if "_" not in n and n == n.lower() and n not in names:
                    names.append(n)
            if names:
                synset_ids[key] = len(synset_lines)
                synset_lines.append(" ".join(names))
            else:
                synset_ids[key] = -1
        i = synset_ids[key]
        return None if i < 0 else i

    index_lines: dict[str, list[str]] = {p: [] for p in "nvar"}
    for lemma in sorted(wn._lemma_pos_offset_map):
        by_pos = wn._lemma_pos_offset_map[lemma]
        for pos in "nvar":
            if pos not in by_pos:
                continue
            assert " " not in lemma
            ids = [synset_id(pos, off) for off in by_pos[pos]]
            kept = [i for i in ids if i is not None]
            index_lines[pos].append(" ".join([lemma] + [_b36(i) for i in kept]))

    parts = ["@s", *synset_lines]
    for pos in "nvar":
        parts.append(f"@i {pos}")
        parts.extend(index_lines[pos])
    for pos in "nvar":
        parts.append(f"@x {pos}")
        for form in sorted(wn._exception_map[pos]):
            parts.append(" ".join([form, *wn._exception_map[pos][form]]))
    data = ("\n".join(parts) + "\n").encode("utf-8")
    with gzip.GzipFile(out, "wb", compresslevel=9, mtime=0) as f:
        f.write(data)
    print(f"synsets kept {len(synset_lines)}, lemmas {sum(len(v) for v in index_lines.values())}, raw {len(data)} bytes -> {out} {os.path.getsize(out)} bytes")


def _b36(i: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        i, r = divmod(i, 36)
        s = digits[r] + s
        if i == 0:
            return s


if __name__ == "__main__":
    main()
