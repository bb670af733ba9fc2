"""Let mutmut reach a module's ``@transaction.atomic`` functions: run on a scratch copy, never on
the repository.

mutmut 3 leaves every decorated function alone (it cannot put its switch between a decorator and
the function), and services are atomic: without this, a run over ``partnerships/services/pipeline.py``
mutates only its two undecorated helpers. The decorator moves below the module as an assignment
(``name = transaction.atomic(name)``), which behaves the same, and mutmut mutates the function.

    python benchmarks/mutation_undecorate.py SCRATCH/partnerships/services/pipeline.py
"""

import re
import sys

DECORATED = re.compile(r"^@transaction\.atomic\n(def (\w+)\()", flags=re.MULTILINE)


def undecorate(source: str) -> tuple[str, list[str]]:
    """``source`` without its bare ``@transaction.atomic`` lines, each applied at the end instead;
    and the names of the functions that had one."""
    names = [match.group(2) for match in DECORATED.finditer(source)]
    stripped = DECORATED.sub(r"\1", source)
    return stripped + "\n\n" + "".join(f"{name} = transaction.atomic({name})\n" for name in names), names


if __name__ == "__main__":
    path = sys.argv[1]
    with open(path) as file:
        text, found = undecorate(file.read())
    with open(path, "w") as file:
        file.write(text)
    print(f"{path}: atomic applied after the definition of {', '.join(found) or 'nothing'}")
