//! A streaming writer for 16-bit PCM mono WAV files.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

/// Writes mono `f32` samples as 16-bit PCM WAV, fixing the header sizes on [`WavWriter::finish`].
pub struct WavWriter {
    out: BufWriter<File>,
    sample_rate: u32,
    samples: u64,
}

const HEADER_BYTES: u64 = 44;

impl WavWriter {
    pub fn create(path: &Path, sample_rate: u32) -> std::io::Result<Self> {
        let mut out = BufWriter::new(File::create(path)?);
        write_header(&mut out, sample_rate, 0)?;
        Ok(Self { out, sample_rate, samples: 0 })
    }

    /// Appends samples in `[-1, 1]`; values outside are clamped.
    pub fn write(&mut self, samples: &[f32]) -> std::io::Result<()> {
        for &s in samples {
            let v = (s.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
            self.out.write_all(&v.to_le_bytes())?;
        }
        self.samples += samples.len() as u64;
        Ok(())
    }

    /// Writes the final header and flushes; returns the number of samples written.
    pub fn finish(mut self) -> std::io::Result<u64> {
        let data_bytes = self.samples * 2;
        if data_bytes + HEADER_BYTES - 8 > u32::MAX as u64 {
            return Err(std::io::Error::other("audio too long for a WAV file (over 4 GiB)"));
        }
        self.out.seek(SeekFrom::Start(0))?;
        write_header(&mut self.out, self.sample_rate, data_bytes as u32)?;
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        Ok(self.samples)
    }
}

fn write_header(out: &mut impl Write, sample_rate: u32, data_bytes: u32) -> std::io::Result<()> {
    out.write_all(b"RIFF")?;
    out.write_all(&(36 + data_bytes).to_le_bytes())?;
    out.write_all(b"WAVEfmt ")?;
    out.write_all(&16u32.to_le_bytes())?; // fmt chunk size
    out.write_all(&1u16.to_le_bytes())?; // PCM
    out.write_all(&1u16.to_le_bytes())?; // mono
    out.write_all(&sample_rate.to_le_bytes())?;
    out.write_all(&(sample_rate * 2).to_le_bytes())?; // byte rate
    out.write_all(&2u16.to_le_bytes())?; // block align
    out.write_all(&16u16.to_le_bytes())?; // bits per sample
    out.write_all(b"data")?;
    out.write_all(&data_bytes.to_le_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_a_valid_header_and_clamped_samples() {
        let dir = std::env::temp_dir().join(format!("wav-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.wav");
        let mut w = WavWriter::create(&path, 16_000).unwrap();
        w.write(&[0.0, 1.0, -1.0, 2.0]).unwrap();
        assert_eq!(w.finish().unwrap(), 4);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 44 + 8);
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 36 + 8);
        assert_eq!(u32::from_le_bytes(bytes[24..28].try_into().unwrap()), 16_000);
        assert_eq!(u32::from_le_bytes(bytes[40..44].try_into().unwrap()), 8);
        assert_eq!(i16::from_le_bytes([bytes[46], bytes[47]]), i16::MAX);
        assert_eq!(i16::from_le_bytes([bytes[50], bytes[51]]), i16::MAX);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
