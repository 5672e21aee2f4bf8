from verkeerstoren.cli import main

main()
