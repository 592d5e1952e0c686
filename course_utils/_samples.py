"""Tiny built-in samples written for this course.

They are the last resort of ``load_task`` for a task with neither a local or packaged copy nor a
reachable hub (LEDGAR offline), so that every notebook still runs end to end. They are far too small to learn from: a run on
them shows that the code works, not what fine-tuning achieves.
"""

SENTIMENT = [
    ("a warm , funny and beautifully acted film .", "positive"),
    ("one of the best movies i have seen this year .", "positive"),
    ("the cast is wonderful and the story moves along nicely .", "positive"),
    ("a clever , touching and often hilarious comedy .", "positive"),
    ("the director keeps the tension high until the very last scene .", "positive"),
    ("an absolute delight from start to finish .", "positive"),
    ("smart writing and a great soundtrack make this a joy to watch .", "positive"),
    ("i left the theatre smiling .", "positive"),
    ("a moving portrait of friendship , gently told .", "positive"),
    ("the performances are superb and the photography is stunning .", "positive"),
    ("fresh , lively and full of heart .", "positive"),
    ("an inventive thriller that rewards patient viewers .", "positive"),
    ("a dull , lifeless film with nothing to say .", "negative"),
    ("the plot makes no sense and the jokes fall flat .", "negative"),
    ("i was bored after ten minutes .", "negative"),
    ("badly written , badly acted and far too long .", "negative"),
    ("a tedious mess that wastes a talented cast .", "negative"),
    ("the worst movie i have seen in years .", "negative"),
    ("clumsy dialogue and a predictable ending .", "negative"),
    ("it never decides what it wants to be .", "negative"),
    ("a loud , empty sequel that nobody asked for .", "negative"),
    ("the characters are flat and the pacing is painful .", "negative"),
    ("save your money and stay home .", "negative"),
    ("an ugly , joyless and confused film .", "negative"),
]

SENTIMENT_5 = [
    ("a masterpiece : moving , funny and perfectly made .", "very positive"),
    ("simply one of the finest films of the decade .", "very positive"),
    ("an extraordinary , unforgettable experience .", "very positive"),
    ("a brilliant film that i would happily watch again tomorrow .", "very positive"),
    ("a pleasant , well acted little drama .", "positive"),
    ("mostly charming , with a few good laughs .", "positive"),
    ("solid entertainment for a rainy afternoon .", "positive"),
    ("the film has its moments and a likeable lead .", "positive"),
    ("it is a film about two brothers who run a farm .", "neutral"),
    ("the movie runs for about two hours .", "neutral"),
    ("some scenes work and some do not .", "neutral"),
    ("it is exactly what the trailer promises , no more and no less .", "neutral"),
    ("a rather flat story with forgettable characters .", "negative"),
    ("the second half drags and the ending is weak .", "negative"),
    ("not as clever as it thinks it is .", "negative"),
    ("uneven and often dull .", "negative"),
    ("an unbearable , insulting waste of time .", "very negative"),
    ("the worst film i have ever sat through .", "very negative"),
    ("a complete disaster from the first frame to the last .", "very negative"),
    ("painfully bad in every possible way .", "very negative"),
]

_LEGAL = {
    "governing law": [
        "This Agreement shall be governed by and construed in accordance with the laws of the State of New York.",
        "The validity and interpretation of this Agreement shall be governed by the laws of England and Wales.",
        "This Agreement is governed by the laws of the State of Delaware, without regard to its conflict of laws rules.",
        "All matters arising out of this Agreement shall be governed by the laws of the State of California.",
    ],
    "notices": [
        "All notices under this Agreement shall be in writing and delivered by hand or by registered mail to the addresses set out above.",
        "Any notice required hereunder shall be sent by email with a copy by overnight courier to the receiving party.",
        "Notices shall be deemed given on the date of delivery if delivered personally or three days after mailing.",
        "Each party may change its address for notices by giving written notice to the other party.",
    ],
    "confidentiality": [
        "Each party shall keep confidential all information disclosed by the other party and shall not use it except to perform this Agreement.",
        "The Recipient shall not disclose any Confidential Information to any third party without the prior written consent of the Discloser.",
        "The obligations of confidentiality in this section shall survive for five years after termination.",
        "Confidential Information does not include information that is or becomes publicly available through no fault of the Recipient.",
    ],
    "termination": [
        "Either party may terminate this Agreement for convenience upon ninety days prior written notice.",
        "This Agreement may be terminated immediately by either party if the other party becomes insolvent.",
        "Either party may terminate this Agreement if the other party materially breaches it and fails to cure within thirty days.",
        "Upon termination, each party shall return all property of the other party in its possession.",
    ],
    "assignment": [
        "Neither party may assign this Agreement without the prior written consent of the other party.",
        "Any attempted assignment in violation of this section shall be null and void.",
        "The Company may assign this Agreement to an affiliate or to a successor in a merger or sale of substantially all of its assets.",
        "This Agreement shall bind and benefit the parties and their permitted successors and assigns.",
    ],
}

# The legal sample's generic types, under the name each registry task uses for them.
LEGAL_NAMES = {
    # CUAD has no notice or confidentiality type: its sample keeps the three it shares.
    "cuad_clauses": {"governing law": "Governing Law", "termination": "Termination For Convenience",
                     "assignment": "Anti-Assignment"},
    "ledgar": {"governing law": "Governing Laws", "notices": "Notices", "confidentiality": "Confidentiality",
               "termination": "Terminations", "assignment": "Assignments"},
}


def legal(task: str) -> list[tuple[str, str]]:
    names = LEGAL_NAMES[task]
    return [(text, names[kind]) for kind, texts in _LEGAL.items() if kind in names for text in texts]


def sample_for(task: str) -> list[tuple[str, str]]:
    """The built-in (text, label name) pairs for a registry task."""
    if task in LEGAL_NAMES:
        return legal(task)
    if task == "sst5":
        return SENTIMENT_5
    return SENTIMENT
