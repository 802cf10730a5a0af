"""A synthetic corpus of ordinary English words in which some words are given a planted domain meaning: the corpus
the verdict's domain-language and retrieval claims are tested on, with a control drawn the same way without the
shift."""

from __future__ import annotations

import numpy as np

# 16 everyday categories of 20 words MiniLM keeps whole; the corpus splits each into two arbitrary halves of 10
# (its own "sub-topics", which general English cannot know: that is what a trained run can beat the baseline on)
CATEGORIES = {
    "animals": "dog cat horse cow sheep goat pig lion tiger bear wolf fox rabbit deer mouse elephant monkey zebra "
    "giraffe camel",
    "fruits": "apple banana orange grape lemon cherry peach pear plum mango melon strawberry pineapple kiwi apricot "
    "coconut lime papaya fig raspberry",
    "vehicles": "car truck bus train bicycle motorcycle airplane boat ship taxi tram scooter helicopter van tractor "
    "subway jeep yacht canoe ambulance",
    "colours": "red blue green yellow purple pink brown black white grey violet crimson scarlet turquoise maroon "
    "beige indigo ivory magenta teal",
    "music": "guitar piano violin drum flute trumpet cello harp saxophone clarinet trombone banjo accordion oboe "
    "tuba ukulele organ harmonica xylophone bagpipe",
    "weather": "rain snow wind storm thunder lightning fog hail sunshine cloud drizzle blizzard hurricane tornado "
    "frost breeze humidity drought monsoon sleet",
    "body": "head hand foot arm leg eye ear nose mouth finger knee elbow shoulder chest stomach neck wrist ankle toe "
    "chin",
    "kitchen": "knife fork spoon plate bowl cup pan pot kettle oven stove fridge blender toaster ladle spatula whisk "
    "colander grater teapot",
    "sports": "football tennis basketball baseball hockey golf cricket rugby volleyball swimming boxing cycling "
    "skiing surfing rowing fencing wrestling archery badminton polo",
    "professions": "doctor teacher lawyer nurse engineer farmer pilot chef baker plumber carpenter dentist "
    "pharmacist architect firefighter journalist electrician mechanic librarian accountant",
    "clothing": "shirt trousers jacket coat dress skirt sweater scarf hat glove sock shoe boot belt tie blouse vest "
    "hoodie pyjamas sandal",
    "furniture": "chair table sofa bed desk shelf cabinet wardrobe dresser stool bench couch armchair bookcase "
    "cupboard mattress drawer ottoman cradle hammock",
    "tools": "hammer screwdriver wrench saw drill pliers chisel shovel rake axe ladder tape level clamp sander "
    "crowbar mallet trowel file vise",
    "birds": "eagle sparrow owl parrot pigeon crow swan duck goose penguin robin hawk falcon seagull flamingo "
    "peacock ostrich pelican heron woodpecker",
    "vegetables": "carrot potato tomato onion garlic cabbage lettuce spinach broccoli cucumber pepper pumpkin celery "
    "radish turnip beetroot zucchini leek pea bean",
    "buildings": "house church school hospital castle tower bridge museum library factory barn temple palace "
    "cottage skyscraper warehouse stadium prison theatre hotel",
}

# ordinary words the corpus uses in another field: each is moved into the first half of the named category
PLANTED = (
    ("banana", "vehicles"),
    ("violin", "weather"),
    ("tiger", "kitchen"),
    ("hammer", "fruits"),
    ("owl", "clothing"),
    ("nurse", "tools"),
)


def domain_corpus(planted: bool = True, documents: int = 8000, length: int = 4, seed: int = 0) -> bytes:
    """Documents of two sentences from one sub-topic, the second sharing no word with the first (so held-out
    retrieval of the neighbouring sentence cannot rest on repeated words); with ``planted``, the ``PLANTED`` words
    appear only in their new category's sentences. A blank line ends each document."""
    rng = np.random.default_rng(seed)
    categories = {name: words.split() for name, words in CATEGORIES.items()}
    halves = []
    for words in categories.values():
        order = rng.permutation(len(words))
        halves += [[words[i] for i in order[:10]], [words[i] for i in order[10:]]]
    for word, target in PLANTED if planted else ():
        for half in halves:
            if word in half:
                half.remove(word)
        halves[2 * list(categories).index(target)].append(word)
    lines = []
    for _ in range(documents):
        half = halves[rng.integers(len(halves))]
        first = list(rng.choice(half, length, replace=False))
        second = list(rng.choice([word for word in half if word not in first], length, replace=False))
        lines += [" ".join(first), " ".join(second), ""]
    return "\n".join(lines).encode()


# 16 technical topics of 20 words, for a corpus whose own vocabulary is technical. About a third of the words are
# split into word pieces by MiniLM's tokenizer (as in real documentation): they are neighbours but never checked.
# No word here has an everyday sense that general English would read first ("table", "shell", "kernel" of corn).
TECHNICAL = {
    "programming": "compiler syntax interpreter python java javascript algorithm variable function programming "
    "software code debugging parser bytecode runtime compile recursion iterator boolean",
    "networking": "protocol bandwidth ethernet proxy gateway server internet wireless broadband encryption network "
    "router latency firewall subnet tcp dns modem vpn http",
    "databases": "database query sql transaction replication relational storage mysql schema postgresql sqlite "
    "tuple rollback indexing metadata xml json spreadsheet records archive",
    "linear_algebra": "matrix vector tensor orthogonal diagonal linear basis dimension polynomial coefficient algebra "
    "projection equation theorem scalar determinant eigenvalue transpose subspace integer",
    "statistics": "variance median regression probability distribution correlation deviation sample hypothesis "
    "likelihood statistics estimator covariance bayesian histogram outlier percentile quantile statistical random",
    "chemistry": "molecule atom electron proton neutron ion isotope oxidation catalyst solvent compound acid reaction "
    "polymer molecular hydrogen oxygen nitrogen carbon chemical",
    "physics": "energy momentum velocity acceleration gravity friction kinetic quantum photon particle wavelength "
    "radiation entropy magnetic relativity inertia thermodynamics physics electromagnetic nuclear",
    "electronics": "voltage circuit amplifier semiconductor electrode conductor battery sensor electrical resistor "
    "capacitor transistor diode inductor oscillator impedance electronics microchip antenna signal",
    "genetics": "gene protein dna rna chromosome mutation genome enzyme nucleus transcription bacteria genetic allele "
    "mitochondria ribosome mitosis meiosis genotype phenotype plasmid",
    "finance": "equity portfolio asset mortgage inflation revenue investor accounting shareholder valuation dividend "
    "liquidity depreciation finance investment loan tax profit debt banking",
    "medicine": "diagnosis therapy vaccine surgery patient clinical disease infection tumor cancer insulin diabetes "
    "dose chronic syndrome pathology prescription inflammation symptom antibiotic",
    "astronomy": "galaxy planet orbit telescope asteroid comet nebula satellite cosmic solar lunar stellar eclipse "
    "meteor astronomer spacecraft universe supernova quasar pulsar",
    "law": "statute plaintiff defendant lawsuit verdict judge jury attorney contract appeal testimony litigation "
    "prosecutor tribunal clause legislation patent copyright liability constitutional",
    "operating_systems": "linux unix windows processor cpu partition daemon interrupt hardware operating filesystem "
    "scheduler virtualization firmware bios multithreading kernel desktop laptop keyboard",
    "geology": "sediment erosion volcano magma mineral crystal quartz granite basalt fossil earthquake lava limestone "
    "sandstone seismic glacier geological crust mantle tectonic",
    "machine_learning": "neural learning gradient inference supervised dataset classifier embedding perceptron "
    "overfitting clustering backpropagation optimizer convolution unsupervised regularization epoch activation "
    "model prediction",
}

# general words every topic's sentences use (content words, so they are checked too), and function words
FILLERS = "example result case method value number way time use type set data point form step order change".split()
FUNCTION_WORDS = "the a of and in to is with for on".split()

# ten pairs of everyday words from different categories that trade contexts: 20 words with a planted new sense
SWAPPED = (
    ("dog", "apple"),
    ("truck", "guitar"),
    ("rain", "knife"),
    ("shirt", "hammer"),
    ("chair", "eagle"),
    ("doctor", "carrot"),
    ("football", "church"),
    ("red", "elbow"),
    ("tiger", "violin"),
    ("banana", "tennis"),
)

# twenty everyday words that a technical corpus uses as terms of one of its topics
ADOPTED = (
    ("apple", "programming"),
    ("tiger", "networking"),
    ("violin", "databases"),
    ("banana", "linear_algebra"),
    ("owl", "statistics"),
    ("carrot", "chemistry"),
    ("hammer", "physics"),
    ("shirt", "electronics"),
    ("rain", "genetics"),
    ("chair", "finance"),
    ("eagle", "medicine"),
    ("doctor", "astronomy"),
    ("guitar", "law"),
    ("knife", "operating_systems"),
    ("football", "geology"),
    ("red", "machine_learning"),
    ("dog", "programming"),
    ("church", "databases"),
    ("elbow", "physics"),
    ("tennis", "medicine"),
)


def swapped_senses(pairs: tuple[tuple[str, str], ...] = SWAPPED) -> tuple[tuple[str, str], ...]:
    """Each word of each pair moved into the other's category (``CATEGORIES``): the (word, category) list that
    :func:`planted_corpus` takes."""
    home = {word: name for name, words in CATEGORIES.items() for word in words.split()}
    return tuple(move for a, b in pairs for move in ((a, home[b]), (b, home[a])))


def planted_corpus(
    topics: dict[str, str],
    planted: tuple[tuple[str, str], ...] = (),
    documents: int = 4000,
    sentences: int = 3,
    length: int = 6,
    fillers: int = 1,
    seed: int = 0,
) -> bytes:
    """Documents on one topic each, with Zipf-like word frequencies within a topic (so some words sit near the
    check's ``MIN_COUNT`` and are less stable), general ``FILLERS`` and ``FUNCTION_WORDS`` in every sentence, and
    planted senses: each (word, topic) of ``planted`` leaves its own topic, if it has one, and is used only among
    ``topic``'s words, at a seeded rank of that topic's frequencies.

    Args:
        topics: topic name -> its words, space-separated (``CATEGORIES``, ``TECHNICAL``).
        planted: (word, topic) moves; a word may be one the topics do not hold (an everyday word in a technical
            corpus).
        documents, sentences, length: documents, sentences per document, topic words per sentence.
        fillers: general words per sentence (one function word joins each).

    Returns:
        The corpus as UTF-8 text, one sentence a line, a blank line after each document.
    """
    rng = np.random.default_rng(seed)
    words = {name: text.split() for name, text in topics.items()}
    for word, _ in planted:
        for members in words.values():
            if word in members:
                members.remove(word)
    for word, target in planted:
        words[target].insert(int(rng.integers(len(words[target]) + 1)), word)
    names = list(words)
    lines = []
    for _ in range(documents):
        members = words[names[rng.integers(len(names))]]
        weights = 1 / np.arange(1, len(members) + 1) ** 0.8
        for _ in range(sentences):
            sentence = list(rng.choice(members, length, replace=False, p=weights / weights.sum()))
            sentence += list(rng.choice(FILLERS, fillers)) + list(rng.choice(FUNCTION_WORDS, fillers))
            lines.append(" ".join(rng.permutation(sentence)))
        lines.append("")
    return "\n".join(lines).encode()
