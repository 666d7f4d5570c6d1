import Testing

@testable import RedisSink
