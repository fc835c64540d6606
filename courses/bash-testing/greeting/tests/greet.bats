# The learner's script is in the working directory (the workspace). `3>&-` keeps bats' own report
# descriptor from the script.
setup() {
  load '/usr/lib/bats/bats-support/load'
  load '/usr/lib/bats/bats-assert/load'
}

@test "greets the person it is given" {
  run bash greet.sh Ada 3>&-
  assert_success
  assert_output "Hello, Ada!"
}

@test "greets a name with a space in it" {
  run bash greet.sh "Grace Hopper" 3>&-
  assert_success
  assert_output "Hello, Grace Hopper!"
}

@test "greets the world without a name" {
  run bash greet.sh 3>&-
  assert_success
  assert_output "Hello, World!"
}
