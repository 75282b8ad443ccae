from shotspec.cli.main import main

raise SystemExit(main())
