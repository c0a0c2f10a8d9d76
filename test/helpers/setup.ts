// Runs in every test file: scratch log directories are removed after the file's tests.
import {afterAll} from 'vitest'
import {removeTmpLogDirs} from './strom.js'

afterAll(() => removeTmpLogDirs())
