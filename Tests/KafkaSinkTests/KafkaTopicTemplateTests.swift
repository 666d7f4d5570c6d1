import CDCCore
import Testing

@testable import KafkaSink

@Suite("Kafka topic template")
struct KafkaTopicTemplateTests {
    @Test func placeholdersAreReplaced() throws {
        let standard = KafkaTopicTemplate.standard
        #expect(try standard.topic(database: "shop", table: "orders") == "cdc.shop.orders")
        let custom = try KafkaTopicTemplate("{table}-from-{db}_{table}")
        #expect(try custom.topic(database: "a", table: "b") == "b-from-a_b")
        let fixed = try KafkaTopicTemplate("all-changes")
        #expect(try fixed.topic(database: "a", table: "b") == "all-changes")
    }

    @Test func illegalCharactersOfNamesBecomeUnderscores() throws {
        #expect(try KafkaTopicTemplate.standard.topic(database: "shop", table: "order$items") == "cdc.shop.order_items")
        #expect(try KafkaTopicTemplate.standard.topic(database: "d b", table: "tä") == "cdc.d_b.t_")
    }

    @Test(arguments: ["", "cdc/{db}", "cdc.{schema}.{table}", "{db", ".."])
    func badTemplatesAreUsageErrors(_ template: String) {
        do {
            _ = try KafkaTopicTemplate(template)
            Issue.record("accepted \(template)")
        } catch {
            #expect(error.code == .usage)
            #expect(error.message.hasPrefix("--topic"))
        }
    }

    @Test func tooLongTopicIsAnError() throws {
        let long = String(repeating: "t", count: 300)
        do {
            _ = try KafkaTopicTemplate.standard.topic(database: "shop", table: long)
            Issue.record("accepted a 300-character topic")
        } catch {
            #expect(error.message.contains("249"))
        }
    }
}
