/** Terminal size that follows resizes (ink 6 has no useWindowSize: listen to stdout 'resize'). */
import {useStdout} from 'ink'
import {useEffect, useState} from 'react'

export function useTerminalSize(): {columns: number; rows: number} {
  const {stdout} = useStdout()
  const read = () => ({columns: stdout.columns ?? 80, rows: stdout.rows ?? 24})
  const [size, setSize] = useState(read)
  useEffect(() => {
    const onResize = () => setSize(read())
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
