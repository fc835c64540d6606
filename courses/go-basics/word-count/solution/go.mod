module lesson

go 1.24
