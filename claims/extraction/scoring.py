"""What the language modules find in a clause (zh.py, en.py): the input of model.features.

How the findings combine into a check-worthiness score is learned, not set here: see model.py
and the weights scripts/train_extraction.py fits on the evaluation corpus.
"""

from dataclasses import dataclass, field


@dataclass(slots=True)
class Findings:
    """What the language module found in one clause; each list holds the words as written."""

    numbers: list = field(default_factory=list)
    vague_numbers: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    times: list = field(default_factory=list)
    names: list = field(default_factory=list)
    places: list = field(default_factory=list)
    speaker: str = ""  # named inside the clause: "根据X", "X称", "according to X", "X said"
    attribution: str = ""  # the word that attributes: 称, 根据, according to, said
    source: bool = False  # attribution to a source of data (根据, according to) rather than speech
    inline_quote: bool = False
    comparisons: list = field(default_factory=list)
    weak_comparisons: list = field(default_factory=list)
    quantities: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    events: list = field(default_factory=list)
    facts: list = field(default_factory=list)
    completed: list = field(default_factory=list)
    stance: dict = field(default_factory=dict)  # kind -> words found
    question: bool = False
    presupposes: str = ""
    short: bool = False
    label: str = ""  # the clause is just a name ("梁文峰", "Sam Altman"): a speaker label
    persons: list = field(default_factory=list)
    cues: list = field(default_factory=list)  # (kind, offset in the clause, word) of each source or reporting word
    frame: bool = False  # the clause only says who speaks: "疾管署發言人林明誠表示", "the CDC team said"
    length: int = 0  # characters of content (Chinese) or words (English)
    frame_hedges: list = field(default_factory=list)  # "you may recall", "可以看到": set aside, not hedges
