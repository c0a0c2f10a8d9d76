// The entry of dist/oclif.js (scripts/bundle-oclif.mjs): the parts of @oclif/core that strom's
// launcher and commands use, as named ES exports of one bundled file.
import oclif from '@oclif/core'

export const {Args, Command, Config, Errors, Flags, Help, execute} = oclif
