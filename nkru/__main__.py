from nkru.entry import main

main()
