bats_require_minimum_version 1.5.0

# The learner's script is in the working directory (the workspace); each test works in a fresh
# directory of its own. `3>&-` keeps bats' own report descriptor from the script.
setup() {
  load '/usr/lib/bats/bats-support/load'
  load '/usr/lib/bats/bats-assert/load'
  script="$PWD/rename-ext.sh"
  dir="$(mktemp -d)"
}

rename_ext() {
  run --separate-stderr bash "$script" "$@" 3>&-
}

@test "renames every matching file and says so" {
  touch "$dir/a.txt" "$dir/b.txt" "$dir/keep.log"
  rename_ext txt md "$dir"
  assert_success
  assert_output $'a.txt -> a.md\nb.txt -> b.md'
  [ -e "$dir/a.md" ] && [ -e "$dir/b.md" ] && [ -e "$dir/keep.log" ]
  [ ! -e "$dir/a.txt" ]
}

@test "renames files whose names contain spaces" {
  echo plans >"$dir/my plans.txt"
  rename_ext txt md "$dir"
  assert_success
  assert_output "my plans.txt -> my plans.md"
  [ "$(cat "$dir/my plans.md")" = plans ]
}

@test "never overwrites an existing file, and exits 1" {
  echo old >"$dir/a.txt"
  echo precious >"$dir/a.md"
  echo other >"$dir/b.txt"
  rename_ext txt md "$dir"
  assert_failure 1
  assert_output "b.txt -> b.md"
  [ "$stderr" = "rename-ext.sh: a.md exists, skipped" ]
  [ "$(cat "$dir/a.md")" = precious ] && [ "$(cat "$dir/a.txt")" = old ]
}

@test "works in the current directory by default" {
  touch "$dir/c.txt"
  run bash -c 'cd "$1" && bash "$2" txt md' _ "$dir" "$script" 3>&-
  assert_success
  assert_output "c.txt -> c.md"
}

@test "no matching files is not an error" {
  rename_ext txt md "$dir"
  assert_success
  assert_output ""
}

@test "too few arguments is a usage error" {
  rename_ext txt
  assert_failure 2
  [[ "$stderr" == Usage:* ]]
}
