module practica/exec-agent

go 1.21
