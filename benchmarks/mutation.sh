#!/usr/bin/env bash
# Mutation testing of one module with mutmut: which small changes to the code (a `<` turned into `<=`, a
# constant changed, a call's argument dropped) the given tests fail to notice.
#
#   benchmarks/mutation.sh MODULE.py TEST_PATH [TEST_PATH...]
#   benchmarks/mutation.sh graph/scoring.py tests/graph
#   benchmarks/mutation.sh crm/tenancy.py tests/crm/test_tenancy.py tests/security/test_permission_matrix.py
#
# It works in a scratch copy of the repository (MUTATION_DIR, default /tmp/mutation-<module>), so mutmut's
# `mutants/` folder and its `[tool.mutmut]` configuration never land in the repository. Each mutant runs
# only the tests among TEST_PATH that call the mutated function, stopping at the first failure; a mutant
# that survives runs all of them, so keep TEST_PATH to the tests of the module (a survivor of a function
# every page calls costs a full run of those tests).
#
# Settings (environment):
#   MUTATION_DIR       the scratch copy (emptied of a previous run's mutants first)
#   MUTATION_CHILDREN  mutants run in parallel (default 1; the machine may be shared)
#   MUTATION_FUNCTIONS only these functions of MODULE, space-separated (e.g. "partnership_move pipeline_add")
#
# mutmut 3 leaves decorated functions alone; the scratch copy's `@transaction.atomic` lines become
# assignments below the module first (benchmarks/mutation_undecorate.py), so services are mutated too.
#
# Needs mutmut in the project's virtualenv: .venv/bin/pip install mutmut==3.8.1
# Prints the survivors (then `cd $MUTATION_DIR && .venv/bin/mutmut show <name>` shows one) and the score as
# killed / survived / total, also written to $MUTATION_DIR/mutants/mutmut-cicd-stats.json.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi

module=$1
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
[[ -f $module && $module == *.py ]] || { echo "no Python module $module in $repo" >&2; exit 2; }
for tests in "$@"; do
    [[ -e ${tests%%::*} ]] || { echo "no tests at $tests in $repo" >&2; exit 2; }
done
venv=$(readlink -f .venv)
[[ -x $venv/bin/mutmut ]] || { echo "mutmut is not installed: $venv/bin/pip install mutmut==3.8.1" >&2; exit 2; }

slug=${module%.py}
scratch=${MUTATION_DIR:-/tmp/mutation-${slug//\//-}}
children=${MUTATION_CHILDREN:-1}

echo "Copying the repository to $scratch"
rm -rf "$scratch/mutants"
mkdir -p "$scratch"
rsync -a --delete --exclude .git --exclude .venv --exclude mutants --exclude __pycache__ "$repo/" "$scratch/"
ln -sfn "$venv" "$scratch/.venv"
"$venv/bin/python" benchmarks/mutation_undecorate.py "$scratch/$module"

# mutmut copies source_paths into mutants/ and runs the tests there, so every package the tests import is
# listed (all files but MODULE are copied unchanged); everything else at the top (templates, benchmarks
# the tests import, manage.py) is copied alongside.
python_list() { local first=1; printf '['; for item in "$@"; do ((first)) || printf ', '; printf '"%s"' "$item"; first=0; done; printf ']'; }
packages=()
for init in */__init__.py; do
    [[ $init == tests/* ]] || packages+=("${init%/__init__.py}")
done
extras=()
for extra in *; do
    [[ -e $extra/__init__.py || $extra == tests || $extra == mutants ]] || extras+=("$extra")
done
cat >>"$scratch/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = $(python_list "${packages[@]}")
only_mutate = ["$module"]
also_copy = $(python_list "${extras[@]}")
pytest_add_cli_args_test_selection = $(python_list "$@")
pytest_add_cli_args = ["-p", "no:cacheprovider"]
EOF

cd "$scratch"
started=$(date -u +%Y-%m-%dT%H:%MZ)
selection=()
dotted=${slug//\//.}
for function in ${MUTATION_FUNCTIONS:-}; do
    selection+=("$dotted.x_${function}__mutmut_*")
done
.venv/bin/mutmut run --max-children "$children" "${selection[@]}"
echo
echo "Survivors (and mutants no test reached) of $module:"
.venv/bin/mutmut results
.venv/bin/mutmut export-cicd-stats >/dev/null
.venv/bin/python - "$module" "$started" "$*" <<'EOF'
import json, sys
module, started, tests = sys.argv[1:]
stats = json.load(open("mutants/mutmut-cicd-stats.json"))
# mutants outside MUTATION_FUNCTIONS are never run (mutmut counts them in "total" only): not in the score
tested = sum(stats.get(k, 0) for k in ("killed", "survived", "no_tests", "timeout", "suspicious", "segfault"))
score = 100 * (stats["killed"] + stats["timeout"]) / tested if tested else 0.0
print(
    f"\n{module}: {stats['killed']} killed, {stats['survived']} survived, {stats['no_tests']} reached by no test,"
    f" {stats['timeout']} timed out, {stats['suspicious']} suspicious, of {tested} run: score {score:.1f}%"
    f" (started {started}, tests: {tests})"
)
EOF
