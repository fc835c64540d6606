from chronicles.cli import main

main()
