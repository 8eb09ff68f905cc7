/**
 * End to end with real Django 5.2 (`$DJANGO52_PYTHON`, default .venv-django52): see
 * test/e2e/support/e2e-suite.ts. Fails, never skips, without Django.
 */
import { describeDjangoE2E } from "./support/e2e-suite";

describeDjangoE2E("5.2", "ds_e2e_dj52");
