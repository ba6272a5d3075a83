from .store import main

raise SystemExit(main())
