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
