import Testing

@testable import KafkaSink
