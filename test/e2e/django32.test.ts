/**
 * End to end with real Django 3.2 (`$DJANGO32_PYTHON`, default Debian's python3-django): see
 * test/e2e/support/e2e-suite.ts. The Node side runs with `oldestDjangoVersion: "3.2"` and
 * `siteDjangoVersion: "3.2"`. Fails, never skips, without Django.
 */
import { describeDjangoE2E } from "./support/e2e-suite";

describeDjangoE2E("3.2", "ds_e2e_dj32");
