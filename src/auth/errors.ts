import { DjangoSessionError } from "../core/errors";

/**
 * A password hasher needs an npm package that is not installed (Django raises `ValueError:
 * Couldn't load 'Argon2PasswordHasher' algorithm library` in the same situation). The message
 * names the package to install.
 */
export class PasswordHasherLibraryMissing extends DjangoSessionError {
  /** The npm package(s) any one of which would do, e.g. `["bcrypt", "bcryptjs"]`. */
  readonly packages: readonly string[];
  constructor(algorithm: string, packages: readonly string[], options?: { cause?: unknown }) {
    const names = packages.map((name) => `"${name}"`).join(" or ");
    super(
      "ERR_PASSWORD_HASHER_LIBRARY_MISSING",
      `The "${algorithm}" password hasher needs the npm package ${names}, which is not installed: run \`npm install ${packages[0]}\`.`,
      options,
    );
    this.packages = packages;
  }
}
