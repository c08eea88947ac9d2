// The SDK's public vocabulary (FeatureValue, KeyPart, ValueStatus, SkewlessError, FeatureRepo,
// ...) lives in SkewlessModel; `import Skewless` brings it along.
@_exported import SkewlessModel
