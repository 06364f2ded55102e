from verbatim_train.text import TOKENS, encode, greedy_ctc, normalize


def test_rules():
    assert normalize("Hello, World!") == "hello world"
    assert normalize("In 1990, 42% of patients") == "in nineteen ninety forty two percent of patients"
    assert normalize("1,200 people") == "one thousand two hundred people"
    assert normalize("3.5 mg/kg") == "three point five mg kg"
    assert normalize("the 21st century") == "the twenty first century"
    assert normalize("co-amoxiclav") == "co amoxiclav"
    assert normalize("don't 'quote' patients'") == "don't quote patients"
    assert normalize("Café  R&D") == "cafe r and d"
    assert normalize("2005 and 2024 and 1905 and 1800") == \
        "two thousand five and twenty twenty four and nineteen oh five and eighteen hundred"
    assert normalize("105") == "one hundred five"
    assert normalize("12th, 3rd, 2nd") == "twelfth third second"
    assert normalize("C++ / Ruby_on_Rails") == "c plus plus ruby on rails"
    assert normalize("  a \t b\n") == "a b"


def test_alphabet():
    assert TOKENS[0] == "<blank>" and TOKENS[1] == " " and TOKENS[2] == "'" and len(TOKENS) == 29
    s = normalize("It's 7 o'clock - time for tea!")
    assert set(s) <= set(TOKENS[1:])
    assert encode("ab c") == [3, 4, 1, 5]


def test_greedy():
    assert greedy_ctc([0, 3, 3, 0, 3, 1, 1, 4, 0]) == "aa b"
