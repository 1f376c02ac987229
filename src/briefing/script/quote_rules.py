"""Rules as data for quote detection and attribution (used by segment.py and attribution.py).

Each table says why it is there. Word lists are lower case; they were drawn from the
patterns in the PolNeAR `train` split (bench/quotes) and from British news style
(the sample New Statesman article), never from a single article.
"""

from __future__ import annotations

import re

# --- Quote marks -------------------------------------------------------------------------
# Double quotes open and close top-level quotations; single quotes only nest inside them
# (US and most UK news style), so apostrophes never start a quote.
OPEN_QUOTES = "“„«"
CLOSE_QUOTES = "”»"
STRAIGHT_QUOTE = '"'
ALL_DOUBLE = OPEN_QUOTES + CLOSE_QUOTES + STRAIGHT_QUOTE

# --- Speech verbs ------------------------------------------------------------------------
# Verbs that attribute a direct quotation to its source: "X said", "said X", "X told Y".
# Ordered roughly by frequency in news text; inflections listed explicitly so matching is a
# set lookup (no stemmer needed, and no false match on "saidin").
SPEECH_VERBS = frozenset(
    """
    said says say saying
    told tells tell telling
    added adds adding
    asked asks asking
    wrote writes writing write
    insisted insists insisting
    explained explains explaining
    continued continues continuing
    noted notes noting
    argued argues arguing
    stated states stating
    declared declares declaring
    recalled recalls recalling
    replied replies replying
    responded responds responding
    answered answers answering
    shouted shouts shouting
    yelled yells yelling
    tweeted tweets tweeting
    posted posts posting
    warned warns warning
    claimed claims claiming
    acknowledged acknowledges acknowledging
    admitted admits admitting
    announced announces announcing
    conceded concedes conceding
    countered counters countering
    cautioned cautions
    complained complains complaining
    contended contends
    boasted boasts boasting
    joked jokes joking
    quipped quips quipping
    remarked remarks remarking
    reported reports reporting
    observed observes
    predicted predicts
    promised promises promising
    pledged pledges
    suggested suggests suggesting
    concluded concludes
    emphasized emphasised emphasizes emphasises
    stressed stresses
    mused muses
    riffed
    read reads
    begins began
    demanded demands demanding
    scolded scolds
    chanted chants chanting sang sings singing
    exclaimed exclaims retorted retorts interjected interjects
    snapped snaps barked barks boomed thundered screamed screams whispered whispers muttered
    fumed fumes scoffed scoffs mocked mocks gushed gushes marveled marvelled
    lamented laments surmised elaborated elaborates demurred
    urged urges asserted asserts vowed vows pleaded implored proclaimed proclaims
    recounted recounts opined intoned texted emailed wondered
    """.split()
)

# Two-word speech verbs ("Trump shot back", "he went on"): tokens() joins them into one token
# so every speech-verb test sees them; each word alone says nothing about speech.
PHRASAL_SPEECH_VERBS = frozenset({
    ("shot", "back"), ("fired", "back"), ("hit", "back"), ("shoots", "back"), ("fires", "back"),
    ("went", "on"), ("goes", "on"), ("cried", "out"), ("screamed", "back"), ("called", "out"),
})
SPEECH_VERBS = SPEECH_VERBS | {" ".join(p) for p in PHRASAL_SPEECH_VERBS}

# "according to X" attributes without a verb next to the speaker.
ACCORDING_TO = re.compile(r"\baccording to\s+", re.I)

# Words that, right after a speech verb, show the quote is reported speech woven into the
# narrator's sentence ("said that ...", "told reporters ..." is fine, "said of" is fine).
NOT_SUBJECT_AFTER_VERB = frozenset(
    "that in on at to of about during with for from after before when while as by if "
    "it's this there here".split()
)

# Words right after the speech verb of an attribution that name the quotation's topic
# ('“It's fine,” Trump said of waterboarding'). PolNeAR's annotators take that topic into the
# quoted content, so the quotation counts as woven into the narrator's sentence (train: 1 in 4
# is partial, against 1 in 11 of all attributed quotes); a feature of the voicing model.
TOPIC_AFTER_VERB = frozenset("of about regarding".split())

# Words in a colon-introduced lead-in that make the quotation an excerpt of a document
# ('said in a statement:', 'writing in an email:'); the annotators leave these unattributed
# more often than spoken words (train: 11 of 39); a feature of the voicing model.
WRITTEN_MEDIA = frozenset(
    "statement statements email e-mail tweet tweets tweeted letter memo text message release "
    "wrote writes writing written posted post".split()
)

# --- People -----------------------------------------------------------------------------
# Pronouns that refer back to a person named earlier; resolved by attribution.py.
PERSON_PRONOUNS = frozenset({"he", "she", "they", "i", "we"})
ALL_PRONOUNS = PERSON_PRONOUNS | {"it", "you", "him", "her", "them"}

# Titles that precede a name and are not part of what the listener needs to recognise the
# speaker again ("Sen. Bernie Sanders" and "Sanders" are the same person).
TITLES = frozenset(
    """
    mr mrs ms miss dr prof sir dame lord lady rev
    sen senator rep representative gov governor gen general col lt sgt capt
    president vice secretary minister chancellor mayor judge justice chairman chairwoman
    speaker leader ambassador commissioner chief director spokesman spokeswoman
    pope king queen prince princess sheikh
    """.split()
)

# Capitalised words that begin sentences or name things other than people; a capitalised
# run made only of these is not a person ("The", "Monday", "Republican").
NOT_NAMES = frozenset(
    """
    the a an and but or so yet for nor in on at to of by with from as if when while after
    before since though although because this that these those there here it its we i he
    she they you his her their our my your one another some many most all no not also
    then now still just only even again meanwhile however instead indeed yes
    mr mrs ms dr
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    republican republicans democrat democrats democratic gop american americans
    u.s us uk eu un
    """.split()
)

# Heads of organisation and place names: a capitalised run that contains one of these is a
# body, not a person, so pronouns ("he said") never resolve to it. A body can still be a
# quoted source ("the White House said").
ORG_WORDS = frozenset(
    """
    party house senate congress committee department ministry office council court
    university college school institute foundation center centre association union
    times post news journal herald tribune guardian telegraph statesman review magazine
    press agency reuters network channel radio television tv cnn bbc fox nbc abc cbs msnbc
    company corp inc group bank fund campaign administration government state states
    city county street square avenue airport church army navy
    republic kingdom nation nations federation organisation organization treaty
    york washington london
    """.split()
)

# --- Sentences ---------------------------------------------------------------------------
# Abbreviations whose full stop does not end a sentence (lower case, without the dot).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st sen rep gov gen col lt sgt capt rev hon
    u.s u.k u.n e.u n.y d.c l.a inc co corp ltd no vs etc
    jan feb mar apr jun jul aug sep sept oct nov dec
    ala ariz ark calif colo conn del fla ga ill ind kan ky la md mass mich minn miss mo
    mont neb nev okla ore pa tenn tex va vt wash wis wyo
    """.split()
)

# --- Voicing decision ---------------------------------------------------------------------
# Change voice only for a quotation that stands as the speaker's own sentence(s): the
# quotation must begin its sentence or follow an attribution ending in "," or ":", and
# begin with a capital (or digit). Shorter ones than this many words stay with the narrator
# unless they end a sentence with their own punctuation (tuned on train: 1-word capitalised
# quotes at sentence start are nearly always titles or scare quotes).
MIN_VOICE_WORDS = 2

# How many words may stand between a speech verb and the comma that introduces a quotation
# ("Pence told the crowd,"): further away, the comma belongs to the narrator's own clause.
# Tuned on dev: 4 dropped as many real quotes as partial ones; 6 keeps "X told reporters on
# Monday," and still drops "Sanders said, suggesting a few questions, including,".
MAX_VERB_DISTANCE = 6
