# The learner's script is in the working directory (the workspace). `3>&-` keeps bats' own report
# descriptor from the script.
setup() {
  load '/usr/lib/bats/bats-support/load'
  load '/usr/lib/bats/bats-assert/load'
}

wordfreq() {
  local text="$1"
  shift
  run bash -c 'printf "%s" "$1" | bash wordfreq.sh "${@:2}"' wordfreq "$text" "$@" 3>&-
}

@test "counts the most frequent words" {
  wordfreq $'the cat and the hat\nthe end\n' 2
  assert_success
  assert_output $'3 the\n1 and'
}

@test "ignores case and prints lower case" {
  wordfreq $'The THE the tHe cat\n' 1
  assert_success
  assert_output "4 the"
}

@test "treats punctuation and digits as separators" {
  wordfreq $'well,well;well 42well... done!\n' 2
  assert_success
  assert_output $'4 well\n1 done'
}

@test "orders words with the same count alphabetically" {
  wordfreq $'pear apple fig apple fig pear kiwi\n' 4
  assert_success
  assert_output $'2 apple\n2 fig\n2 pear\n1 kiwi'
}

@test "prints three words by default" {
  wordfreq $'a b c d e a b c a b a\n'
  assert_success
  assert_output $'4 a\n3 b\n2 c'
}

@test "prints nothing for empty input" {
  wordfreq ''
  assert_success
  assert_output ''
}
