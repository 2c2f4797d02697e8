from ragarena.cli import main

raise SystemExit(main())
