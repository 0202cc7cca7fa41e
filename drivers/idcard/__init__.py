"""GA 467 resident ID-card reader (also the foreigner permanent-residence card and the HK/Macao/Taiwan
residents' residence permit): sans-I/O codec, text-block parser, polling driver and simulator."""
