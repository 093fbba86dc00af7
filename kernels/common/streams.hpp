// Every random stream id used by memcarlo, in one place (DESIGN.md decision 2).
// A stream id is the second word of the Philox key; the first is the point's 32-bit seed.
// Never reuse or renumber an id: published results depend on them.
#pragma once
#include <cstdint>

namespace mc::stream {
constexpr std::uint32_t kDeviceToDevice = 1;  ///< per-device factors, lifetime, forming: counter {device, 0, 0}
constexpr std::uint32_t kCycle = 2;           ///< per-device per-cycle writes and reads: counter {device, cycle, draw}
constexpr std::uint32_t kWriteVerify = 3;     ///< write-and-verify pulses: counter {device, pulse, draw}
constexpr std::uint32_t kDataSplit = 4;       ///< train/test splits of data sets: counter {row, 0, 0}
constexpr std::uint32_t kMcmcStep = 5;        ///< MCMC proposals and accept draws: counter {chain, step, 0}
constexpr std::uint32_t kMcmcRead = 6;        ///< MCMC read noise: counter {chain, step, 1 + device/4}
constexpr std::uint32_t kMcmcInit = 7;        ///< MCMC first programming of the array: counter {chain, 0, device/4}
constexpr std::uint32_t kMcmcEpisode = 8;     ///< cart-pole initial states: counter {episode, set, 0}
constexpr std::uint32_t kMcmcData = 9;        ///< generated MCMC data sets: counter {row, 0, draw}
// bayes_machine (ids 10-19).
constexpr std::uint32_t kBayesSynthetic = 10;  ///< synthetic likelihood tables and samples: counter {row, table|sample, draw}
constexpr std::uint32_t kBayesLfsrSeed = 11;   ///< random LFSR phases: counter {inference, lfsr, 0}
constexpr std::uint32_t kBayesPhilox = 12;     ///< ideal generator bit-planes: counter {inference, 64-cycle word, block·8 + plane/2}
constexpr std::uint32_t kBayesTie = 13;        ///< tie-breaks between equal counts: counter {inference, checkpoint, 0}
constexpr std::uint32_t kBayesSeu = 14;        ///< single-event upsets: counter {inference, event, 0}
constexpr std::uint32_t kBayesStorage = 15;    ///< programming and reads of stored bits: counter {chip·pairs + pair, reread, 0}
constexpr std::uint32_t kBayesBer = 16;        ///< explicit bit errors of stored bits: counter {chip·bits + bit, reread, 0}
constexpr std::uint32_t kBayesFixedPointSeu = 17;  ///< upsets of the conventional fixed-point naive Bayes: counter {inference, event, 0}
constexpr std::uint32_t kBayesLogSeu = 18;         ///< upsets of the logarithmic machine (mode: log): counter {inference, event, 0}
constexpr std::uint32_t kBayesCycleRead = 19;      ///< reads of stored bits every clock cycle (storage.reread: cycle): see stored_bit_cycle_read
// arrays and crossbar_mlp (ids 20-29).
constexpr std::uint32_t kArrayThreshold = 20;  ///< per-device SET/RESET switching thresholds: counter {device, 0, 0}
constexpr std::uint32_t kArrayRead = 21;       ///< array reads: counter {device, read, 0} (read 0: fixed per chip)
constexpr std::uint32_t kArrayPulse = 22;      ///< in-situ fixed-amplitude pulses: counter {device, update, 0}
constexpr std::uint32_t kTrainInit = 23;       ///< initial weights of host training: counter {layer, weight/4, 0}
constexpr std::uint32_t kArrayPulseStep = 24;  ///< per-device factors of the fixed-amplitude pulse step (SET, RESET): counter {device, 0, 0}
// memcarlo fit (ids 30-39).
constexpr std::uint32_t kFitRepeatRead = 30;  ///< simulated measurements: repeated reads of one state, counter {device, cycle, repeat}
// bayes_nn (ids 40-49).
constexpr std::uint32_t kBayesNnProgram = 40;   ///< programming a device to a (µ, σ) condition: counter {device, 0, 0}
constexpr std::uint32_t kBayesNnRead = 41;      ///< fresh read noise of a sampled inference: counter {inference, weight, 0}
constexpr std::uint32_t kBayesNnTrain = 42;     ///< Bayes-by-backprop: shuffles {epoch, 0, 0}, weight noise {step, weight/4, 1}, init {layer, weight/4, 2}, read-aware reads {step, layer·2^32 + weight/2, 4}
constexpr std::uint32_t kBayesNnSoftware = 43;  ///< ideal software weight samples: counter {sample, weight/4, 0}
constexpr std::uint32_t kBayesNnData = 44;      ///< the synthetic 9 + 1-class generator: counter {row, feature/4, draw}
// bnn (ids 50-59).
constexpr std::uint32_t kBnnFlip = 50;       ///< flip masks fixed at programming (explicit BER): counter {chip, layer, draw}
constexpr std::uint32_t kBnnReadFlip = 51;   ///< flips drawn per read (per test image): counter {image, chip·layers + layer, draw}
constexpr std::uint32_t kBnnTrainFlip = 52;  ///< error-aware training flips: counter {step, layer, draw}
constexpr std::uint32_t kBnnShuffle = 53;    ///< training batch order: counter {epoch, row, 0}
constexpr std::uint32_t kBnnCell = 54;       ///< log-normal cell states (bnn.errors: lognormal): counter {bit, read, 0}
constexpr std::uint32_t kBnnReadCandidate = 55;  ///< per-read device errors, candidate reads of a bin: counter {image, (chip·layers + layer)·64 + bin, draw}
constexpr std::uint32_t kBnnReadAccept = 56;     ///< per-read device errors, acceptance of a candidate: counter {image, (chip·layers + layer)·64 + bin, candidate}
constexpr std::uint32_t kTest = 99;           ///< reserved for tests
}  // namespace mc::stream
